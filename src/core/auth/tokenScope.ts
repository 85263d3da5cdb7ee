// The OAuth scope a cluster's token is minted for, and the way back from a scope MSAL keeps to its cluster. The
// one place to change when a kind of connection needs another scope: every flow and the facade ask here.

import { parseClusterUrl } from '../clusterUrl';

/** `<canonical cluster URL>/.default`: a token for this cluster alone. */
export function tokenScopeFor(clusterUrl: string): string {
  return parseClusterUrl(clusterUrl).scope;
}

/** The canonical cluster URL of a scope asked for by tokenScopeFor; undefined for any other scope. */
export function clusterOfScope(scope: string): string | undefined {
  if (!scope.toLowerCase().endsWith('/.default')) {
    return undefined;
  }
  try {
    return parseClusterUrl(scope.slice(0, -'/.default'.length)).url;
  } catch {
    return undefined;
  }
}
