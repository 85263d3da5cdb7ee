// "Copy Query as Link": an Azure Data Explorer web UI deep link. The documented UI deep link takes the query in
// its `query` parameter, either URL-encoded or as base64(gzip(text)) so long queries fit browsers' URL limits
// (MicrosoftDocs/dataexplorer-docs, kusto/api/rest/deeplink.md). The text is UTF-8 before it is compressed.

import { gunzipSync, gzipSync } from 'node:zlib';
import { tryParseClusterUrl } from '../clusterUrl';

export const WEB_EXPLORER_ORIGIN = 'https://dataexplorer.azure.com';

/** base64(gzip(UTF-8 text)): the documented compressed form of a deep link's query. */
export function encodeDeepLinkQuery(text: string): string {
  return gzipSync(Buffer.from(text, 'utf8')).toString('base64');
}

/** The query text back from a deep link's `query` value (compressed or plain). */
export function decodeDeepLinkQuery(value: string): string {
  const bytes = Buffer.from(value, 'base64');
  // gzip starts with 1f 8b; anything else is the plain (URL-decoded) text.
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes.toString('base64').replace(/=+$/, '') === value.replace(/=+$/, '')) {
    return gunzipSync(bytes).toString('utf8');
  }
  return value;
}

/**
 * https://dataexplorer.azure.com/clusters/<cluster host>/databases/<database>?query=<base64 of the gzipped query>.
 * The cluster is named by its host (with a port when it has one), as the web UI shows it.
 */
export function webExplorerLink(clusterUrl: string, database: string, queryText: string): string {
  if (tryParseClusterUrl(clusterUrl)?.monitor) {
    // The documented link names a cluster by host alone; "ade.loganalytics.io" is not this workspace, and no link
    // form for a proxy path is documented, so none is made rather than a link that opens the wrong place.
    throw new Error(
      'Copy Query as Link is not available for a Log Analytics workspace or Application Insights app: the Azure Data Explorer ' +
        'web UI link names a cluster by its host only, which does not identify the workspace. Use "Copy Query and Results" instead.',
    );
  }
  let host: string;
  try {
    host = new URL(clusterUrl).host;
  } catch {
    throw new Error(`Cannot make a link for cluster "${clusterUrl}": it is not a URL like https://<cluster>.kusto.windows.net.`);
  }
  if (!host) throw new Error(`Cannot make a link for cluster "${clusterUrl}": it has no host name.`);
  const query = encodeURIComponent(encodeDeepLinkQuery(queryText));
  return `${WEB_EXPLORER_ORIGIN}/clusters/${encodeURIComponent(host)}/databases/${encodeURIComponent(database)}?query=${query}`;
}

/** Cluster, database and query text of a web explorer link (the inverse of webExplorerLink). */
export function parseWebExplorerLink(link: string): { cluster: string; database: string; query: string } {
  const url = new URL(link);
  const match = /^\/clusters\/([^/]+)\/databases\/([^/]+)\/?$/.exec(url.pathname);
  if (!match) throw new Error(`"${link}" is not a link to a database in the Azure Data Explorer web UI.`);
  const value = url.searchParams.get('query') ?? '';
  return { cluster: decodeURIComponent(match[1]), database: decodeURIComponent(match[2]), query: decodeDeepLinkQuery(value) };
}
