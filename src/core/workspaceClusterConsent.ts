// Which clusters from a workspace's settings need the user's yes before a token of theirs goes to them. A cloned
// repository's .vscode/settings.json can list clusters (and, per cluster, a sign-in way and tenant): the first
// time it names a cluster the user has not used before, or asks for a sign-in way or tenant of its own, the user
// is asked once per workspace. Clusters from the user's own settings never need it.

import type { SignInMethod } from './auth/signInMethods';

export interface ConfiguredCluster {
  /** Canonical cluster URL. */
  readonly url: string;
  readonly signInMethod?: SignInMethod;
  readonly tenant?: string;
}

export interface ConsentInput {
  /** Clusters as the workspace's settings give them (empty when only user settings define kusto.clusters). */
  readonly workspaceClusters: readonly ConfiguredCluster[];
  /** Clusters in the user's own settings. */
  readonly userClusters: readonly ConfiguredCluster[];
  /** Clusters the user allowed before (in any workspace). */
  readonly knownClusterUrls: ReadonlySet<string>;
  /** What the user allowed for this workspace: consentKey() of each entry. */
  readonly allowedInWorkspace: ReadonlySet<string>;
}

/** What one allowed entry covers: the cluster and the sign-in way and tenant the workspace asked for. */
export function consentKey(cluster: ConfiguredCluster): string {
  return `${cluster.url}|${cluster.signInMethod ?? ''}|${(cluster.tenant ?? '').toLowerCase()}`;
}

function asksForOwnSignIn(cluster: ConfiguredCluster, userClusters: readonly ConfiguredCluster[]): boolean {
  if (!cluster.signInMethod && !cluster.tenant) {
    return false;
  }
  const mine = userClusters.find((c) => c.url === cluster.url);
  return !mine || consentKey(mine) !== consentKey(cluster);
}

/** The workspace's clusters that need a yes before use: new to the user, or with a sign-in way/tenant of their own. */
export function clustersNeedingConsent(input: ConsentInput): ConfiguredCluster[] {
  return input.workspaceClusters.filter((cluster) => {
    if (input.allowedInWorkspace.has(consentKey(cluster))) {
      return false;
    }
    const isNew = !input.knownClusterUrls.has(cluster.url) && !input.userClusters.some((c) => c.url === cluster.url);
    return isNew || asksForOwnSignIn(cluster, input.userClusters);
  });
}

/** A cluster's sign-in way and tenant as the auth layer may use them: a workspace's only once allowed. */
export function usablePreferences(url: string, input: ConsentInput): { signInMethod?: SignInMethod; tenant?: string } | undefined {
  const fromWorkspace = input.workspaceClusters.find((c) => c.url === url);
  const chosen = fromWorkspace
    ? asksForOwnSignIn(fromWorkspace, input.userClusters) && !input.allowedInWorkspace.has(consentKey(fromWorkspace))
      ? input.userClusters.find((c) => c.url === url)
      : fromWorkspace
    : input.userClusters.find((c) => c.url === url);
  return chosen && (chosen.signInMethod || chosen.tenant) ? { signInMethod: chosen.signInMethod, tenant: chosen.tenant } : undefined;
}

/** A token request refused because the user did not allow this workspace's cluster. */
export class WorkspaceClusterNotAllowedError extends Error {
  constructor(readonly clusterUrl: string) {
    super(
      `This workspace's settings list ${clusterUrl}, and you did not allow connecting to it, so no token was sent. ` +
        'Reload the window to be asked again, or add the cluster to your user settings.',
    );
    this.name = 'WorkspaceClusterNotAllowedError';
  }
}
