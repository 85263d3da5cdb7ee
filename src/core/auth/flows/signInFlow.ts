// The shape every way of signing in has (like the flows of VS Code's own Microsoft sign-in), and what the ways
// share: the pool of MSAL clients, the remembered profiles, the cluster → identity mapping, the change events.
// To add a way in: write one SignInFlow in this folder, add its id to signInMethods.ts, and list it in
// TokenBroker's `flows` (docs/architecture.md, "Sign-in ways").

import type { AccountInfo } from '@azure/msal-node';
import type { AccountMappingStore } from '../accountMapping';
import type { AuthEventHub } from '../authEvents';
import type { AuthorityTarget } from '../authoritySettings';
import type { AccessTokenDetails, ScopeSummary, TokenBrokerOptions } from '../authTypes';
import type { HeldAccessToken } from '../msalCacheAdapter';
import type { PublicClientPool } from '../publicClientPool';
import type { ServicePrincipalProfile } from '../servicePrincipalCredential';
import type { SignInEnvironment, SignInMethod, SignInMethodAvailability } from '../signInMethods';
import type { SignInProfiles, SignInProfilesData } from '../signInProfiles';
import { tokenScopeFor } from '../tokenScope';

/** The identity that serves one token request. */
export type Identity =
  | { readonly kind: 'user'; readonly id: string; readonly method: SignInMethod; readonly account: AccountInfo; readonly authority?: AuthorityTarget }
  | { readonly kind: 'servicePrincipal'; readonly id: string; readonly method: 'servicePrincipal'; readonly profile: ServicePrincipalProfile }
  | { readonly kind: 'azureCli'; readonly id: string; readonly method: 'azureCli'; readonly tenant?: string };

/** What is signed in, read once per question (profiles from the secret store, people from MSAL's cache). */
export interface IdentitySnapshot {
  readonly profiles: SignInProfilesData;
  readonly users: readonly AccountInfo[];
  readonly tokens: readonly HeldAccessToken[];
}

/** One signed-in identity as the accounts panel and the chooser see it. */
export interface IdentityRecord {
  readonly identity: Identity;
  readonly username: string;
  readonly name?: string;
  readonly tenantId: string;
  readonly environment: string;
  readonly scopes: readonly ScopeSummary[];
}

export interface ForgottenIdentity {
  readonly id: string;
  /** For the log: whom the user signed out. */
  readonly name: string;
}

export interface SignInFlow<Input> {
  readonly method: SignInMethod;
  /** Shown in pickers and the accounts panel. */
  readonly label: string;
  /** Whether this way can work where the extension host runs; when not, why and what to use instead. */
  availability(environment: SignInEnvironment): SignInMethodAvailability;
  /** Signs in for one cluster; resolves with the identity's record once a token for the cluster is held. */
  signIn(clusterUrl: string, input: Input): Promise<IdentityRecord>;
  /** The identities this way signed in, from the snapshot (no network). */
  identities(snapshot: IdentitySnapshot): IdentityRecord[];
  /** A token for the cluster without asking the user; SignInRequiredError when only a sign-in can help. */
  acquireSilently(identity: Identity, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails>;
  /** Forgets one identity of this way (or all of them) with every token and secret it holds. */
  forget(target: string | 'all', snapshot: IdentitySnapshot): Promise<ForgottenIdentity[]>;
}

/** What the flows share; the TokenBroker facade provides it. */
export interface FlowContext {
  readonly options: TokenBrokerOptions;
  readonly pool: PublicClientPool;
  readonly profiles: SignInProfiles;
  readonly mapping: AccountMappingStore;
  readonly events: AuthEventHub;
  readonly refreshMarginSeconds: number;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** The authority a cluster signs in at: the cluster's cloud and tenant, or the one chosen at sign-in. */
  authorityTargetFor(clusterUrl: string, chosenTenant?: string): AuthorityTarget;
  /** Ids of every identity signed in now. */
  knownIdentityIds(): Promise<Set<string>>;
  /** After a sign-in: the first identity serves every cluster without its own; a later one serves this cluster. */
  rememberIdentity(clusterUrl: string, id: string, idsBefore: ReadonlySet<string>): Promise<void>;
  /** The first request after a sign-in uses the sign-in's token: asking MSAL would renew a short-lived one at once. */
  rememberToken(details: AccessTokenDetails): void;
}

/** Tokens of identities MSAL does not cache for us (service principals' per cluster, Azure CLI's), in memory. */
export interface HeldToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly username: string;
  readonly tenantId: string;
}

export class HeldTokens {
  private readonly byIdentity = new Map<string, Map<string, HeldToken>>();

  get(id: string, clusterUrl: string): HeldToken | undefined {
    return this.byIdentity.get(id)?.get(clusterUrl);
  }

  set(id: string, clusterUrl: string, token: HeldToken): void {
    let byCluster = this.byIdentity.get(id);
    if (!byCluster) {
      byCluster = new Map();
      this.byIdentity.set(id, byCluster);
    }
    byCluster.set(clusterUrl, token);
  }

  delete(id: string, clusterUrl?: string): void {
    if (clusterUrl === undefined) {
      this.byIdentity.delete(id);
    } else {
      this.byIdentity.get(id)?.delete(clusterUrl);
    }
  }

  tokens(id: string): HeldToken[] {
    return [...(this.byIdentity.get(id)?.values() ?? [])];
  }

  /** The scopes an identity holds tokens for, soonest expiry first. */
  scopes(id: string): ScopeSummary[] {
    return [...(this.byIdentity.get(id)?.entries() ?? [])]
      .map(([clusterUrl, token]) => ({ scope: tokenScopeFor(clusterUrl), clusterUrl, expiresOn: token.expiresOn }))
      .sort((a, b) => a.expiresOn.getTime() - b.expiresOn.getTime());
  }
}
