import * as vscode from 'vscode';
import type { ActiveConnectionSource } from '../activeConnection';
import { formatTokenClaims } from '../core/auth/tokenClaims';
import type { TokenBroker } from '../core/auth/tokenBroker';
import { parseClusterUrl } from '../core/clusterUrl';

const SCHEME = 'kusto-token-claims';

/**
 * `kusto.inspectToken`: the claims of the token a cluster gets (audience, tenant, account/app, scopes/roles, times,
 * sign-in way) in a read-only Markdown document. The token and its signature are never shown.
 */
export function registerInspectToken(
  broker: TokenBroker,
  activeConnection: ActiveConnectionSource,
  clusterOf: (argument: unknown) => string | undefined,
  pickCluster: (placeHolder: string) => Promise<string | undefined>,
  reportFailure: (error: unknown) => Promise<void>,
): vscode.Disposable[] {
  const documents = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => documents.get(uri.toString()) ?? 'This report is no longer available; run "Kusto: Inspect Token" again.',
  };
  const inspect = async (argument?: unknown): Promise<void> => {
    try {
      const target = clusterOf(argument) ?? activeConnection.active?.clusterUrl ?? (await pickCluster('Inspect the token of which cluster?'));
      if (!target) {
        return;
      }
      const endpoint = parseClusterUrl(target);
      const inspection = await broker.inspectToken(endpoint.url);
      const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${endpoint.host.replace(/[^A-Za-z0-9.-]/g, '_')} token claims.md` });
      documents.set(uri.toString(), formatTokenClaims(inspection.claims, endpoint.url));
      changed.fire(uri);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: true });
    } catch (error) {
      await reportFailure(error);
    }
  };
  return [changed, vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider), vscode.commands.registerCommand('kusto.inspectToken', inspect)];
}
