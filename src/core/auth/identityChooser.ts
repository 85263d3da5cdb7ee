// Which signed-in identity serves a cluster, decided from data only (no MSAL, no network): the explorer, the
// status bar and every token request ask the same question and get the same answer.

import { DEFAULT_ACCOUNT_KEY } from './accountMapping';
import { AZURE_CLI_ACCOUNT_ID } from './authTypes';
import type { SignInMethod } from './signInMethods';
import { isSameLoginCloud } from './sovereignClouds';

export type IdentityKind = 'user' | 'servicePrincipal' | 'azureCli';

/** An identity as the chooser sees it: enough to pick one without network. */
export interface IdentityCandidate {
  readonly id: string;
  readonly kind: IdentityKind;
  /** Login host of a user account (MSAL's environment). */
  readonly environment?: string;
  readonly tenantId?: string;
}

export interface ChoiceInputs {
  /** The identity chosen for this cluster (cluster → id mapping), if any. */
  readonly chosenId?: string;
  /** The default identity (the first signed in). */
  readonly defaultId?: string;
  /** The cluster's own sign-in way and tenant (kusto.clusters). */
  readonly clusterMethod?: SignInMethod;
  readonly clusterTenant?: string;
  /** kusto.signIn.method */
  readonly settingsMethod?: SignInMethod;
  /** The login host of the cluster's cloud; undefined when the settings cannot say. */
  readonly clusterLoginHost?: string;
}

export type IdentityChoice = { readonly id: string } | { readonly reason: string };

export function kindOfMethod(method: SignInMethod): IdentityKind {
  return method === 'servicePrincipal' ? 'servicePrincipal' : method === 'azureCli' ? 'azureCli' : 'user';
}

/**
 * Which identity serves a cluster: the one chosen for it; else what the cluster's `signInMethod` asks for; else
 * the default (first signed in) when it can reach the cluster's cloud; else any user account of that cloud;
 * else Azure CLI when that is the configured way (it needs no sign-in in VS Code).
 */
export function chooseIdentity(candidates: readonly IdentityCandidate[], inputs: ChoiceInputs): IdentityChoice {
  const { chosenId, clusterLoginHost } = inputs;
  if (chosenId) {
    return candidates.some((c) => c.id === chosenId) ? { id: chosenId } : { reason: 'the account chosen for this cluster is no longer signed in' };
  }
  const reachesCluster = (c: IdentityCandidate): boolean =>
    c.kind !== 'user' || !c.environment || !clusterLoginHost || isSameLoginCloud(c.environment, clusterLoginHost);
  const wanted = inputs.clusterMethod ? kindOfMethod(inputs.clusterMethod) : undefined;
  if (wanted === 'azureCli') {
    return { id: AZURE_CLI_ACCOUNT_ID };
  }
  if (wanted === 'servicePrincipal') {
    const apps = candidates.filter((c) => c.kind === 'servicePrincipal');
    const tenant = inputs.clusterTenant?.toLowerCase();
    const match = apps.find((c) => tenant && c.tenantId?.toLowerCase() === tenant) ?? apps[0];
    return match ? { id: match.id } : { reason: 'this cluster signs in with a service principal, and none is signed in' };
  }
  const defaultCandidate = candidates.find((c) => c.id === inputs.defaultId);
  if (defaultCandidate && reachesCluster(defaultCandidate) && (!wanted || defaultCandidate.kind === wanted)) {
    return { id: defaultCandidate.id };
  }
  const user = candidates.find((c) => c.kind === 'user' && reachesCluster(c));
  if (user) {
    return { id: user.id };
  }
  if (!wanted && defaultCandidate && defaultCandidate.kind !== 'user') {
    return { id: defaultCandidate.id };
  }
  if (!wanted && inputs.settingsMethod === 'azureCli') {
    return { id: AZURE_CLI_ACCOUNT_ID };
  }
  if (candidates.some((c) => c.kind === 'user')) {
    return { reason: `no signed-in account belongs to the cloud of this cluster (${clusterLoginHost ?? 'unknown login host'})` };
  }
  return { reason: 'nobody is signed in' };
}

/** The mapping entries to write after `id` signed in for `clusterUrl` (undefined value: leave as is). */
export function assignmentsAfterSignIn(
  mapping: { readonly defaultId?: string; readonly clusterId?: string },
  clusterUrl: string,
  id: string,
  idsBefore: ReadonlySet<string>,
): Array<readonly [key: string, id: string]> {
  const { defaultId, clusterId } = mapping;
  if (!defaultId || !idsBefore.has(defaultId)) {
    // The first identity serves every cluster without its own.
    const writes: Array<readonly [string, string]> = [[DEFAULT_ACCOUNT_KEY, id]];
    if (clusterId && clusterId !== id) {
      writes.push([clusterUrl, id]);
    }
    return writes;
  }
  if (defaultId !== id || clusterId) {
    // Signing in with a second identity (e.g. a guest tenant) for this cluster: this cluster uses it from now on.
    return [[clusterUrl, id]];
  }
  return [];
}
