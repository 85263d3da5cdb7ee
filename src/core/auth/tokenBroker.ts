// The auth layer's face (like the AuthProvider of VS Code's Microsoft sign-in): what the VS Code glue calls. It
// keeps no sign-in logic of its own: each way in is a flow (flows/), MSAL clients come from the pool
// (publicClientPool.ts), the identity serving a cluster is chosen by identityChooser.ts, changes are announced
// as typed, merged events (authEvents.ts). Everything here is VS Code-free.

import { parseClusterUrl } from '../clusterUrl';
import { AccessTokenSource, SignInRequiredError, TokenRequestOptions } from './accessTokenSource';
import { AccountMappingStore, DEFAULT_ACCOUNT_KEY, InMemoryAccountMappingStore } from './accountMapping';
import { type AuthChangeEvent, AuthEventHub } from './authEvents';
import { type CacheState, EMPTY_CACHE_STATE, cacheStateOf, changesBetween } from './cacheState';
import { type AuthorityTarget, resolveAuthority } from './authoritySettings';
import {
  type AccessTokenDetails,
  type AccountSummary,
  AZURE_CLI_ACCOUNT_ID,
  type BrowserSignInOptions,
  type DeviceCodePrompt,
  type InteractiveSignInOptions,
  type ServicePrincipalSignIn,
  type SessionSummary,
  type Subscription,
  type TokenBrokerOptions,
  type TokenInspection,
} from './authTypes';
import { AzureCliFlow } from './flows/azureCliFlow';
import { BrowserFlow } from './flows/browserFlow';
import { DeviceCodeFlow } from './flows/deviceCodeFlow';
import { ServicePrincipalFlow } from './flows/servicePrincipalFlow';
import type { FlowContext, Identity, IdentityRecord, IdentitySnapshot, SignInFlow } from './flows/signInFlow';
import { raceAbort } from '../abortable';
import { UserAccounts } from './flows/userAccounts';
import { type IdentityCandidate, type IdentityChoice, assignmentsAfterSignIn, chooseIdentity } from './identityChooser';
import { PublicClientPool, secretKeyFor } from './publicClientPool';
import { describeError, redactSecrets } from './redact';
import { isDueForRefresh, tokenLifetimeMs } from './refreshPolicy';
import { servicePrincipalAccountId } from './servicePrincipalCredential';
import { DEFAULT_SIGN_IN_METHOD, type SignInEnvironment, type SignInMethod, type SignInMethodAvailability, signInMethodInfo } from './signInMethods';
import { SignInProfiles, type SignInProfilesData } from './signInProfiles';
import { assertTokenAudience, summarizeTokenClaims } from './tokenClaims';
import { tokenScopeFor } from './tokenScope';
import { SingleFlight } from './serialQueue';

/** A token handed out again without asking MSAL: see TokenBrokerOptions.recentTokenReuseMs. */
interface RecentToken {
  readonly details: AccessTokenDetails;
  readonly obtainedAt: number;
  readonly lifetimeMs: number | undefined;
}

/**
 * Signs users in per resource scope and hands out access tokens for one cluster at a time. Each way in ends in an
 * identity that serves getToken(cluster); the mapping decides which identity serves which cluster.
 */
export class TokenBroker implements AccessTokenSource {
  private readonly events: AuthEventHub;
  private readonly pool: PublicClientPool;
  private readonly mapping: AccountMappingStore;
  private readonly profiles: SignInProfiles;
  private readonly refreshMarginSeconds: number;
  private readonly recentTokenReuseMs: number;
  private readonly refreshes = new SingleFlight<AccessTokenDetails>();
  private readonly recentTokens = new Map<string, RecentToken>();
  /** What this window last saw in the token cache: another window's write is compared with it. */
  private known: CacheState | undefined;
  private readonly deviceCode: DeviceCodeFlow;
  private readonly browser: BrowserFlow;
  private readonly servicePrincipal: ServicePrincipalFlow;
  private readonly azureCli: AzureCliFlow;
  /** Every way in, in the order their identities are listed. */
  private readonly flows: readonly SignInFlow<never>[];
  private readonly secretSubscription: Subscription;

  constructor(private readonly options: TokenBrokerOptions) {
    this.mapping = options.accountMapping ?? new InMemoryAccountMappingStore();
    this.profiles = new SignInProfiles(options.secretStore);
    this.refreshMarginSeconds = options.refreshMarginSeconds ?? 300;
    this.recentTokenReuseMs = options.recentTokenReuseMs ?? Number.POSITIVE_INFINITY;
    this.events = new AuthEventHub((error) => this.log('warn', `A sign-in change listener failed: ${describeError(error)}`));
    this.pool = new PublicClientPool(options, {
      onCorruptCache: (message) => {
        options.onCorruptCache?.(message);
        void this.reconcileUsers();
      },
      onExternalChange: () => {
        // Another window signed in or out: what this window obtained may no longer be wanted.
        this.recentTokens.clear();
        void this.reconcileUsers();
      },
      log: (level, message) => this.log(level, message),
    });
    const context = this.flowContext();
    const users = new UserAccounts(context);
    this.deviceCode = new DeviceCodeFlow(context, users);
    this.browser = new BrowserFlow(context, users);
    this.servicePrincipal = new ServicePrincipalFlow(context);
    this.azureCli = new AzureCliFlow(context);
    this.flows = [this.deviceCode, this.browser, this.servicePrincipal, this.azureCli];
    // Before MSAL is loaded here no cache plugin watches the stored cache: a sign-in in another window is noticed here.
    this.secretSubscription = options.secretStore.onDidChange((change) => {
      if (!this.pool.hasClients && change.key === this.configuredCacheKey()) {
        void this.reconcileUsers();
      }
    });
  }

  /**
   * Fires after sign-in, sign-out, a new token, a change of which account serves a cluster, or another window
   * changing the stored cache; changes of one turn arrive as one event.
   */
  onDidChange(listener: (event: AuthChangeEvent) => void): Subscription {
    return this.events.on(listener);
  }

  /** Tells listeners that the rules choosing an identity per cluster changed (the glue calls it on settings changes). */
  noteRulesChanged(): void {
    this.events.fire({ rulesChanged: true });
  }

  /** Whether a way of signing in can work where the extension host runs (asked of the way's flow). */
  availabilityOf(method: SignInMethod, environment: SignInEnvironment): SignInMethodAvailability {
    return this.flowOf(method).availability(environment);
  }

  /** The way "Sign In" uses for a cluster: its own `signInMethod`, else kusto.signIn.method, else device code. */
  preferredMethodFor(clusterUrl: string): SignInMethod {
    const endpoint = parseClusterUrl(clusterUrl);
    return this.options.clusterPreferences?.(endpoint.url)?.signInMethod ?? this.options.settings().method ?? DEFAULT_SIGN_IN_METHOD;
  }

  /** The tenant a sign-in for this cluster uses unless the user picks another: the cluster's, else the setting. */
  defaultTenantFor(clusterUrl: string): string {
    const endpoint = parseClusterUrl(clusterUrl);
    return this.authorityTargetFor(endpoint.url).tenant ?? (resolveAuthority(this.options.settings()).authority.split('/').pop() as string);
  }

  /**
   * Device code sign-in for one cluster's scope. `onCode` gets the code to show; aborting `signal` cancels the
   * polling. Rejects with DeviceCodeSignInError (cancelled, declined, expired, wrongTenant, failed); nothing is stored then.
   */
  async signInWithDeviceCode(
    clusterUrl: string,
    onCode: (prompt: DeviceCodePrompt) => void,
    signal?: AbortSignal,
    options: Omit<InteractiveSignInOptions, 'signal'> = {},
  ): Promise<AccountSummary> {
    return this.summaryAfterSignIn(await this.deviceCode.signIn(clusterUrl, { onCode, signal, tenant: options.tenant }));
  }

  /**
   * Browser sign-in (authorization code with PKCE; MSAL listens on a loopback port for the answer). Needs a browser
   * on the machine the extension host runs on. Rejects with SignInError (cancelled, declined, wrongTenant, failed).
   */
  async signInWithBrowser(clusterUrl: string, options: BrowserSignInOptions): Promise<AccountSummary> {
    return this.summaryAfterSignIn(await this.browser.signIn(clusterUrl, options));
  }

  /**
   * Signs in as a service principal: gets a token for the cluster first, and only when that works stores the
   * profile (ids, certificate path) and the secret (secret store only). A wrong secret stores nothing.
   */
  async signInWithServicePrincipal(clusterUrl: string, input: ServicePrincipalSignIn): Promise<AccountSummary> {
    return this.summaryAfterSignIn(await this.servicePrincipal.signIn(clusterUrl, input));
  }

  /** Uses the machine's `az login` session for a cluster: checks that az gives a token, then remembers the choice. */
  async signInWithAzureCli(clusterUrl: string, options: { readonly tenant?: string } = {}): Promise<AccountSummary> {
    return this.summaryAfterSignIn(await this.azureCli.signIn(clusterUrl, options));
  }

  getToken(clusterUrl: string, options?: TokenRequestOptions): Promise<string> {
    return this.getTokenDetails(clusterUrl, options).then((details) => details.accessToken);
  }

  /**
   * A token whose audience is this cluster only, silently: from the cache, refreshed when it expires within the
   * refresh margin (or always with forceRefresh). Concurrent requests for the same identity and scope share one
   * refresh. Throws SignInRequiredError when the user must sign in.
   */
  async getTokenDetails(clusterUrl: string, options: TokenRequestOptions = {}): Promise<AccessTokenDetails> {
    const endpoint = parseClusterUrl(clusterUrl);
    const identity = await this.identityFor(endpoint.url);
    const scope = tokenScopeFor(endpoint.url);
    const force = options.forceRefresh === true;
    const recentKey = `${identity.id}|${scope}`;
    const recent = force ? undefined : this.recentTokens.get(recentKey);
    const now = Date.now();
    if (recent && now - recent.obtainedAt < this.recentTokenReuseMs && !isDueForRefresh(recent.details.expiresOn, recent.lifetimeMs, this.refreshMarginSeconds, now)) {
      return { ...recent.details, fromCache: true };
    }
    const key = `${recentKey}|${force ? 'force' : 'cached'}`;
    const shared = this.refreshes.run(key, async () => {
      const details = await this.flowOf(identity.method).acquireSilently(identity, endpoint.url, scope, force);
      try {
        assertTokenAudience(details.accessToken, endpoint.url, signInMethodInfo(details.signInMethod).label + ' sign-in');
      } catch (error) {
        this.log('error', describeError(error));
        throw error;
      }
      this.rememberToken(details);
      return details;
    });
    return raceAbort(shared, options.signal);
  }

  /** The claims of the token the cluster gets (audience, tenant, account, scopes, times, way); never the token. */
  async inspectToken(clusterUrl: string, options: TokenRequestOptions = {}): Promise<TokenInspection> {
    const endpoint = parseClusterUrl(clusterUrl);
    const details = await this.getTokenDetails(endpoint.url, options);
    return { clusterUrl: endpoint.url, account: details.account, claims: summarizeTokenClaims(details.accessToken, details.signInMethod) };
  }

  async hasSession(clusterUrl: string): Promise<boolean> {
    try {
      await this.getTokenDetails(clusterUrl);
      return true;
    } catch (error) {
      if (!(error instanceof SignInRequiredError)) {
        this.log('warn', `Could not check the session for ${clusterUrl}: ${describeError(error)}`);
      }
      return false;
    }
  }

  /**
   * Signed-in identities with the scopes they hold tokens for: people (token cache), service principals and
   * Azure CLI. Does not load MSAL while no token cache is stored.
   */
  async listAccounts(): Promise<AccountSummary[]> {
    return (await this.records()).map((record) => this.toSummary(record));
  }

  /** The account a cluster's requests would use and its cached token's expiry; no network. */
  async describeSession(clusterUrl: string): Promise<SessionSummary | undefined> {
    const endpoint = parseClusterUrl(clusterUrl);
    const records = await this.records();
    const choice = this.choose(endpoint.url, records);
    const record = 'id' in choice ? records.find((r) => r.identity.id === choice.id) : undefined;
    if (!record) {
      return undefined;
    }
    const account = this.toSummary(record);
    // By scope: a Monitor proxy endpoint's token is held under its cloud's Kusto service scope, not its URL.
    const scope = tokenScopeFor(endpoint.url);
    const held = account.scopes.find((s) => s.scope === scope);
    return { clusterUrl: endpoint.url, scope, account, expiresOn: held?.expiresOn };
  }

  /** Which account serves a cluster (`undefined`: the default account, i.e. the first one signed in). */
  async setAccountForCluster(clusterUrl: string, homeAccountId: string | undefined): Promise<void> {
    const endpoint = parseClusterUrl(clusterUrl);
    if (homeAccountId !== undefined) {
      const accounts = await this.listAccounts();
      if (!accounts.some((a) => a.homeAccountId === homeAccountId)) {
        throw new Error(`That account is not signed in; sign in with it first, then choose it for ${endpoint.url}.`);
      }
    }
    const previous = this.mapping.get(endpoint.url) ?? this.mapping.get(DEFAULT_ACCOUNT_KEY);
    await this.mapping.set(endpoint.url, homeAccountId);
    const now = homeAccountId ?? this.mapping.get(DEFAULT_ACCOUNT_KEY);
    this.events.fire({ changed: [previous, now].filter((id): id is string => !!id) });
  }

  /** Removes one identity (or all) with every token it holds; afterwards nothing is acquired silently for it. */
  async signOut(homeAccountId: string | 'all'): Promise<number> {
    const all = homeAccountId === 'all';
    const snapshot = await this.snapshot();
    const forgotten = [];
    for (const flow of this.flows) {
      forgotten.push(...(await flow.forget(homeAccountId, snapshot)));
    }
    const removedIds = new Set(forgotten.map((f) => f.id));
    if (all) {
      // Every token cache this extension wrote, whatever client id it was for (kusto.signIn.clientId may have changed).
      await this.pool.forgetAllCaches();
      await this.profiles.clear();
    } else if (removedIds.size > 0) {
      await this.profiles.update((current) => withoutIdentities(current, removedIds));
    }
    for (const [cluster, id] of this.mapping.entries()) {
      if (all || removedIds.has(id)) {
        await this.mapping.set(cluster, undefined);
      }
    }
    this.recentTokens.clear();
    if (this.known) {
      this.known = { users: new Set([...this.known.users].filter((id) => !removedIds.has(id))), tokens: this.known.tokens };
    }
    this.log('info', forgotten.length ? `Signed out ${forgotten.map((f) => f.name).join(', ')}.` : 'Nobody to sign out.');
    this.events.fire({ removed: [...removedIds] });
    return removedIds.size;
  }

  async dispose(): Promise<void> {
    this.secretSubscription.dispose();
    this.events.clear();
    await this.pool.dispose();
  }

  // ---- choosing the identity -------------------------------------------------------------------------------

  private async identityFor(clusterUrl: string): Promise<Identity> {
    const records = await this.records();
    const choice = this.choose(clusterUrl, records);
    if (!('id' in choice)) {
      throw new SignInRequiredError(clusterUrl, choice.reason);
    }
    const record = records.find((r) => r.identity.id === choice.id);
    if (record) {
      return record.identity;
    }
    // Azure CLI needs no sign-in in VS Code when it is the cluster's (or the configured) way.
    const profiles = await this.profiles.read();
    return { kind: 'azureCli', id: AZURE_CLI_ACCOUNT_ID, method: 'azureCli', tenant: profiles.azureCli?.tenant };
  }

  private choose(clusterUrl: string, records: readonly IdentityRecord[]): IdentityChoice {
    const prefs = this.options.clusterPreferences?.(clusterUrl);
    const candidates: IdentityCandidate[] = records.map(({ identity, environment, tenantId }) => ({
      id: identity.id,
      kind: identity.kind,
      environment: identity.kind === 'user' ? environment : undefined,
      tenantId,
    }));
    return chooseIdentity(candidates, {
      chosenId: this.mapping.get(clusterUrl),
      defaultId: this.mapping.get(DEFAULT_ACCOUNT_KEY),
      clusterMethod: prefs?.signInMethod,
      clusterTenant: prefs?.tenant,
      settingsMethod: this.options.settings().method,
      clusterLoginHost: loginHostOf(() => resolveAuthority(this.options.settings(), { clusterUrl }).authorityHost),
    });
  }

  /** Every signed-in identity, people in MSAL's order first, then service principals, then Azure CLI. */
  private async records(): Promise<IdentityRecord[]> {
    const snapshot = await this.snapshot();
    const order = new Map(snapshot.users.map((account, index) => [account.homeAccountId, index]));
    const rank = (record: IdentityRecord) => (record.identity.kind === 'user' ? (order.get(record.identity.id) ?? 0) : Number.MAX_SAFE_INTEGER);
    return this.flows.flatMap((flow) => flow.identities(snapshot)).sort((a, b) => rank(a) - rank(b));
  }

  private async snapshot(): Promise<IdentitySnapshot> {
    const profiles = await this.profiles.read();
    const { accounts, tokens } = (await this.pool.hasUserCache()) ? await (await this.pool.client()).accountsWithTokens() : { accounts: [], tokens: [] };
    const snapshot = { profiles, users: accounts, tokens };
    this.known ??= cacheStateOf(snapshot);
    return snapshot;
  }

  private toSummary(record: IdentityRecord): AccountSummary {
    const id = record.identity.id;
    return {
      homeAccountId: id,
      username: record.username,
      name: record.name,
      tenantId: record.tenantId,
      environment: record.environment,
      scopes: record.scopes,
      assignedClusters: this.mapping
        .entries()
        .filter(([cluster, owner]) => cluster !== DEFAULT_ACCOUNT_KEY && owner === id)
        .map(([cluster]) => cluster),
      isDefault: this.mapping.get(DEFAULT_ACCOUNT_KEY) === id,
      signInMethod: record.identity.method,
    };
  }

  private async summaryAfterSignIn(record: IdentityRecord): Promise<AccountSummary> {
    const id = record.identity.id;
    if (record.identity.kind === 'user' && this.known) {
      this.known = { users: new Set([...this.known.users, id]), tokens: this.known.tokens };
    }
    return (await this.listAccounts()).find((a) => a.homeAccountId === id) ?? this.toSummary(record);
  }

  /** After the stored cache changed outside this window's calls: which people came or went, which tokens are new. */
  private async reconcileUsers(): Promise<void> {
    const before = this.known ?? EMPTY_CACHE_STATE;
    let now: CacheState;
    try {
      now = cacheStateOf(await this.snapshot());
    } catch (error) {
      this.log('warn', `Could not read the accounts after a change of the sign-in cache: ${describeError(error)}`);
      return;
    }
    this.known = now;
    this.events.fire(changesBetween(before, now));
  }

  private configuredCacheKey(): string | undefined {
    try {
      return secretKeyFor(resolveAuthority(this.options.settings()).clientId);
    } catch {
      return undefined;
    }
  }

  private flowOf(method: SignInMethod): SignInFlow<never> {
    return this.flows.find((flow) => flow.method === method) ?? this.deviceCode;
  }

  private rememberToken(details: AccessTokenDetails): void {
    const obtainedAt = Date.now();
    this.recentTokens.set(`${details.account.homeAccountId}|${details.scope}`, {
      details,
      obtainedAt,
      lifetimeMs: tokenLifetimeMs(details.accessToken, details.expiresOn, obtainedAt),
    });
  }

  /** The authority a cluster signs in at: the cluster's cloud and tenant, or the one chosen at sign-in. */
  private authorityTargetFor(clusterUrl: string, chosenTenant?: string): AuthorityTarget {
    const tenant = chosenTenant?.trim() || this.options.clusterPreferences?.(clusterUrl)?.tenant?.trim() || undefined;
    return { clusterUrl, tenant };
  }

  private flowContext(): FlowContext {
    return {
      options: this.options,
      pool: this.pool,
      profiles: this.profiles,
      mapping: this.mapping,
      events: this.events,
      refreshMarginSeconds: this.refreshMarginSeconds,
      log: (level, message) => this.log(level, message),
      authorityTargetFor: (clusterUrl, chosenTenant) => this.authorityTargetFor(clusterUrl, chosenTenant),
      knownIdentityIds: async () => new Set((await this.records()).map((r) => r.identity.id)),
      rememberIdentity: async (clusterUrl, id, idsBefore) => {
        const writes = assignmentsAfterSignIn({ defaultId: this.mapping.get(DEFAULT_ACCOUNT_KEY), clusterId: this.mapping.get(clusterUrl) }, clusterUrl, id, idsBefore);
        for (const [key, value] of writes) {
          await this.mapping.set(key, value);
        }
      },
      rememberToken: (details) => this.rememberToken(details),
    };
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.[level](redactSecrets(message));
  }
}

/** Profiles without the identities signed out. */
function withoutIdentities(data: SignInProfilesData, removed: ReadonlySet<string>): SignInProfilesData {
  return {
    users: Object.fromEntries(Object.entries(data.users).filter(([id]) => !removed.has(id))),
    servicePrincipals: data.servicePrincipals.filter((p) => !removed.has(servicePrincipalAccountId(p))),
    azureCli: removed.has(AZURE_CLI_ACCOUNT_ID) ? undefined : data.azureCli,
  };
}

function loginHostOf(resolve: () => string): string | undefined {
  try {
    return resolve();
  } catch {
    return undefined;
  }
}
