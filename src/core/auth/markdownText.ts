// Text from outside (an account name, a tenant from a token) shown inside Markdown (the status bar tooltip):
// escaped so it is only ever text, never a link, an image or formatting that could pass for the extension's own.

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~&:"'$=]/g;

/** `text` as literal Markdown: every character Markdown (or HTML inside it) could read as syntax is escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(MARKDOWN_SPECIAL, (c) => `\\${c}`);
}

/** The first lines of the sign-in tooltip: cluster, scope and the account it uses. */
export function sessionTooltipMarkdown(session: { clusterUrl: string; scope: string; username: string; tenantId: string }): string {
  return (
    `Cluster: ${escapeMarkdown(session.clusterUrl)}  \nScope: ${escapeMarkdown(session.scope)}  \n` +
    `Account: ${escapeMarkdown(session.username)} (tenant ${escapeMarkdown(session.tenantId)})  \n`
  );
}
