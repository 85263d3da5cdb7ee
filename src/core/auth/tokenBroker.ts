import type {
  AccountInfo,
  AuthenticationResult,
  ConfidentialClientApplication,
  DeviceCodeRequest,
  INetworkModule,
  PublicClientApplication,
} from '@azure/msal-node';
import { parseClusterUrl } from '../clusterUrl';
import { AccessTokenSource, SignInRequiredError, TokenRequestOptions } from './accessTokenSource';
import { AccountMappingStore, DEFAULT_ACCOUNT_KEY, InMemoryAccountMappingStore } from './accountMapping';
import { DeviceCodeSignInError, SignInError, describeSilentFailure, errorCodeOf, explainAadError, toDeviceCodeSignInError } from './authErrors';
import { AuthorityTarget, ResolvedAuthority, SignInSettings, resolveAuthority } from './authoritySettings';
import { AzureCliError, AzureCliOptions, getAzureCliToken } from './azureCliCredential';
import {
  ServicePrincipalProfile,
  isServicePrincipalAccountId,
  loadCertificateCredential,
  servicePrincipalAccountId,
  servicePrincipalSecretKey,
  validateServicePrincipalField,
} from './servicePrincipalCredential';
import { SignInProfiles, SignInProfilesData } from './signInProfiles';
import { DEFAULT_SIGN_IN_METHOD, SignInMethod, signInMethodInfo } from './signInMethods';
import { isSameLoginCloud } from './sovereignClouds';
import { TokenAudienceError, TokenClaimsSummary, assertTokenAudience, summarizeTokenClaims } from './tokenClaims';
import { describeError, redactSecrets } from './redact';
import type { SecretStore } from './secretStore';
import { forgetAllCaches } from './cacheIndex';
import { SecretStoreCachePlugin } from './secretStoreCachePlugin';
import { SerialQueue, SingleFlight } from './serialQueue';
import { isDueForRefresh, tokenLifetimeMs } from './refreshPolicy';

/** Where the broker writes; vscode.LogOutputChannel fits. Messages never contain token text. */
export interface AuthLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** Per-cluster choices from the cluster's settings entry (kusto.clusters[].signInMethod / tenant). */
export interface ClusterSignInPreferences {
  readonly signInMethod?: SignInMethod;
  readonly tenant?: string;
}

export interface TokenBrokerOptions {
  readonly secretStore: SecretStore;
  /** Read on every use, so a settings change takes effect without a restart. */
  readonly settings: () => SignInSettings;
  readonly accountMapping?: AccountMappingStore;
  readonly log?: AuthLog;
  /** Called once per corrupt stored cache (after it was replaced by an empty one). */
  readonly onCorruptCache?: (message: string) => void;
  /** Refresh a cached token that expires within this many seconds (default 300), at most a third of its lifetime. */
  readonly refreshMarginSeconds?: number;
  /**
   * How long a token obtained here is handed out again without asking MSAL, as long as it is not due for refresh
   * (default: until it is due). MSAL itself renews any token within 5 minutes of expiry, so a token that lives
   * 90 seconds would be renewed on every request if MSAL were asked each time.
   */
  readonly recentTokenReuseMs?: number;
  /** MSAL's HTTP layer; default an UndiciNetworkClient (loaded on first use). */
  readonly networkClient?: INetworkModule;
  /** Extra CA certificates (PEM) for the default network client, for a process started without NODE_EXTRA_CA_CERTS. */
  readonly extraCaCertificates?: readonly string[];
  /** A cluster's own sign-in way and tenant, read on every use (from kusto.clusters). */
  readonly clusterPreferences?: (clusterUrl: string) => ClusterSignInPreferences | undefined;
  /** How `az` is run (command, environment, timeout); tests point it at a fake. */
  readonly azureCli?: Omit<AzureCliOptions, 'tenant' | 'signal'>;
}

/** What the user sees during a device code sign-in. Never includes the secret device_code. */
export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  /** The sign-in service's own instruction text. */
  readonly message: string;
  readonly expiresOn: Date;
}

export interface ScopeSummary {
  /** e.g. https://mycluster.kusto.windows.net/.default */
  readonly scope: string;
  /** Canonical cluster URL the scope belongs to. */
  readonly clusterUrl: string;
  readonly expiresOn: Date;
}

export interface AccountSummary {
  /** MSAL's homeAccountId for people; `serviceprincipal:<client id>@<tenant>` or `azure-cli` for the other ways. */
  readonly homeAccountId: string;
  readonly username: string;
  readonly name?: string;
  readonly tenantId: string;
  readonly environment: string;
  /** Resource scopes this account holds an access token for, soonest expiry first. */
  readonly scopes: readonly ScopeSummary[];
  /** Clusters the user explicitly assigned to this account. */
  readonly assignedClusters: readonly string[];
  /** True when clusters without an assignment use this account. */
  readonly isDefault: boolean;
  /** How this identity signed in (shown in the accounts panel). */
  readonly signInMethod: SignInMethod;
}

export interface AccessTokenDetails {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly scope: string;
  readonly account: { readonly homeAccountId: string; readonly username: string; readonly tenantId: string };
  readonly fromCache: boolean;
  readonly signInMethod: SignInMethod;
}

/** What the status bar shows for a cluster, from the cache only (no network). */
export interface SessionSummary {
  readonly clusterUrl: string;
  readonly scope: string;
  readonly account: AccountSummary;
  /** Undefined when the account holds no access token for this cluster yet (one is fetched on first use). */
  readonly expiresOn?: Date;
}

export interface Subscription {
  dispose(): void;
}

export interface InteractiveSignInOptions {
  /** Tenant to sign in to for this cluster (default: the cluster's `tenant`, else kusto.signIn.tenant). */
  readonly tenant?: string;
  readonly signal?: AbortSignal;
}

export interface BrowserSignInOptions extends InteractiveSignInOptions {
  /** Opens the sign-in page; in VS Code vscode.env.openExternal. */
  readonly openBrowser: (url: string) => Promise<void>;
  /** Picks the account at once (no account chooser). */
  readonly loginHint?: string;
  /** Pages MSAL's loopback listener shows in the browser at the end. */
  readonly successTemplate?: string;
  readonly errorTemplate?: string;
}

export interface ServicePrincipalSignIn {
  readonly clientId: string;
  readonly tenantId: string;
  /** The client secret (stored in the secret store only after it worked), or… */
  readonly clientSecret?: string;
  /** …a PEM file with the certificate and its private key. */
  readonly certificatePath?: string;
  /** Login host (scheme + host); default: the cluster's cloud. */
  readonly authorityHost?: string;
}

/** The claims of the token a cluster would get now (never the token). */
export interface TokenInspection {
  readonly clusterUrl: string;
  readonly account: AccessTokenDetails['account'];
  readonly claims: TokenClaimsSummary;
}

export const AZURE_CLI_ACCOUNT_ID = 'azure-cli';

interface ClientEntry {
  readonly authority: ResolvedAuthority;
  readonly pca: PublicClientApplication;
}

interface SerializedAccessToken {
  home_account_id?: string;
  environment?: string;
  client_id?: string;
  target?: string;
  expires_on?: string;
}

/** The identity that serves one token request. */
type Identity =
  | { readonly kind: 'user'; readonly id: string; readonly account: AccountInfo; readonly authority: AuthorityTarget; readonly method: SignInMethod }
  | { readonly kind: 'servicePrincipal'; readonly id: string; readonly profile: ServicePrincipalProfile }
  | { readonly kind: 'azureCli'; readonly id: string; readonly tenant?: string };

/** An identity as the chooser sees it: enough to pick one without network. */
interface IdentityCandidate {
  readonly id: string;
  readonly kind: Identity['kind'];
  /** Login host of a user account (MSAL's environment). */
  readonly environment?: string;
  readonly tenantId?: string;
}

const SECRET_KEY_PREFIX = 'kusto.msalCache.';


/**
 * Signs users in per resource scope with MSAL and hands out access tokens for one cluster at a time. Each way in
 * (device code, browser, service principal, Azure CLI) ends in an identity that serves getToken(cluster); the
 * mapping decides which identity serves which cluster. Everything here is VS Code-free.
 */
export class TokenBroker implements AccessTokenSource {
  private readonly queue = new SerialQueue();
  private readonly refreshes = new SingleFlight<AccessTokenDetails>();
  private readonly clients = new Map<string, Promise<ClientEntry>>();
  private readonly appClients = new Map<string, Promise<ConfidentialClientApplication>>();
  private readonly plugins = new Map<string, SecretStoreCachePlugin>();
  private readonly listeners = new Set<() => void>();
  private readonly mapping: AccountMappingStore;
  private readonly profiles: SignInProfiles;
  private readonly refreshMarginSeconds: number;
  private readonly recentTokenReuseMs: number;
  /** The last token obtained per identity and scope, with when: see TokenBrokerOptions.recentTokenReuseMs. */
  private readonly recentTokens = new Map<string, { details: AccessTokenDetails; obtainedAt: number; lifetimeMs: number | undefined }>();
  /** Tokens of service principals and Azure CLI held in memory: identity id → cluster → token. */
  private readonly appTokens = new Map<string, Map<string, { accessToken: string; expiresOn: Date; username: string; tenantId: string }>>();
  private ownNetworkClient: { close(): Promise<void>; takeRecentFailure(): string | undefined; takeRecentOAuthError(): string | undefined } | undefined;
  private disposed = false;

  constructor(private readonly options: TokenBrokerOptions) {
    this.mapping = options.accountMapping ?? new InMemoryAccountMappingStore();
    this.profiles = new SignInProfiles(options.secretStore);
    this.refreshMarginSeconds = options.refreshMarginSeconds ?? 300;
    this.recentTokenReuseMs = options.recentTokenReuseMs ?? Number.POSITIVE_INFINITY;
  }

  /** Fires after sign-in, sign-out, a token refresh, or another window changing the stored cache. */
  onDidChange(listener: () => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
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
    const endpoint = parseClusterUrl(clusterUrl);
    const target = this.authorityTargetFor(endpoint.url, options.tenant);
    const { pca, authority } = await this.client(target);
    const tenant = tenantOf(authority);
    if (signal?.aborted) {
      throw toDeviceCodeSignInError({ errorCode: 'device_code_polling_cancelled' }, endpoint.url);
    }
    const accountsBefore = new Set((await this.allAccounts(pca)).map((a) => a.homeAccountId));
    const request: DeviceCodeRequest = {
      scopes: [endpoint.scope],
      deviceCodeCallback: (response) => {
        try {
          onCode({
            userCode: response.userCode,
            verificationUri: response.verificationUri,
            message: response.message,
            expiresOn: new Date(Date.now() + response.expiresIn * 1000),
          });
        } catch (error) {
          this.log('warn', `Showing the sign-in code failed: ${describeError(error)}`);
        }
      },
    };
    this.log('info', `Device code sign-in started for ${endpoint.url} (tenant ${tenant}).`);
    // Not queued: polling takes minutes and must not hold up silent requests. The cache plugin's lock keeps the
    // final cache write from interleaving with other MSAL calls.
    const flow = pca.acquireTokenByDeviceCode(request);
    let result: AuthenticationResult | null;
    try {
      result = await raceAbort(flow, signal, () => {
        request.cancel = true; // MSAL stops polling before its next request
      });
    } catch (error) {
      if (signal?.aborted) {
        void this.undoLateSignIn(pca, flow, accountsBefore);
      }
      const failure = signal?.aborted
        ? toDeviceCodeSignInError({ errorCode: 'device_code_polling_cancelled' }, endpoint.url)
        : this.withNetworkCause(toDeviceCodeSignInError(this.withServerError(error), endpoint.url, tenant));
      this.log(failure.reason === 'failed' ? 'error' : 'info', failure.message);
      throw failure;
    }
    if (!result?.account || !result.accessToken) {
      throw new DeviceCodeSignInError('failed', `Sign-in to ${endpoint.url} returned no account; try again.`);
    }
    return this.completeUserSignIn(result, accountsBefore, endpoint.url, endpoint.scope, 'deviceCode', authority);
  }

  /**
   * Browser sign-in (authorization code with PKCE; MSAL listens on a loopback port for the answer). Needs a browser
   * on the machine the extension host runs on. Rejects with SignInError (cancelled, declined, wrongTenant, failed).
   */
  async signInWithBrowser(clusterUrl: string, options: BrowserSignInOptions): Promise<AccountSummary> {
    const endpoint = parseClusterUrl(clusterUrl);
    const target = this.authorityTargetFor(endpoint.url, options.tenant);
    const { pca, authority } = await this.client(target);
    const tenant = tenantOf(authority);
    const signal = options.signal;
    if (signal?.aborted) {
      throw new SignInError('cancelled', `Sign-in to ${endpoint.url} was cancelled.`);
    }
    const accountsBefore = new Set((await this.allAccounts(pca)).map((a) => a.homeAccountId));
    let authorizeUrl: string | undefined;
    this.log('info', `Browser sign-in started for ${endpoint.url} (tenant ${tenant}).`);
    const flow = pca.acquireTokenInteractive({
      scopes: [endpoint.scope],
      loginHint: options.loginHint,
      prompt: options.loginHint ? undefined : 'select_account',
      successTemplate: options.successTemplate,
      errorTemplate: options.errorTemplate,
      openBrowser: async (url) => {
        authorizeUrl = url;
        await options.openBrowser(url);
      },
    });
    let result: AuthenticationResult;
    try {
      result = await raceAbort(flow, signal, () => void cancelLoopback(authorizeUrl));
    } catch (error) {
      if (signal?.aborted) {
        void this.undoLateSignIn(pca, flow, accountsBefore);
        this.log('info', `Browser sign-in to ${endpoint.url} was cancelled.`);
        throw new SignInError('cancelled', `Sign-in to ${endpoint.url} was cancelled.`);
      }
      const failure = this.toSignInFailure(error, endpoint.url, tenant);
      this.log(failure.reason === 'failed' ? 'error' : 'info', failure.message);
      throw failure;
    }
    if (!result?.account || !result.accessToken) {
      throw new SignInError('failed', `Sign-in to ${endpoint.url} returned no account; try again.`);
    }
    return this.completeUserSignIn(result, accountsBefore, endpoint.url, endpoint.scope, 'browser', authority);
  }

  /**
   * Signs in as a service principal: gets a token for the cluster first, and only when that works stores the
   * profile (ids, certificate path) and the secret (secret store only). A wrong secret stores nothing.
   */
  async signInWithServicePrincipal(clusterUrl: string, input: ServicePrincipalSignIn): Promise<AccountSummary> {
    const endpoint = parseClusterUrl(clusterUrl);
    const problem = validateServicePrincipalField('clientId', input.clientId) ?? validateServicePrincipalField('tenantId', input.tenantId);
    if (problem) {
      throw new SignInError('failed', problem);
    }
    const secret = input.clientSecret?.trim() ? input.clientSecret : undefined;
    if (!secret && !input.certificatePath) {
      throw new SignInError('failed', 'A service principal needs a client secret or a certificate file (PEM with its private key).');
    }
    const unpinned: ServicePrincipalProfile = {
      clientId: input.clientId.trim().toLowerCase(),
      tenantId: input.tenantId.trim(),
      authorityHost: input.authorityHost?.trim() || undefined,
      certificatePath: secret ? undefined : input.certificatePath,
    };
    // The credential is pinned to the login host it is created with: its secret (or signed assertion) is never
    // sent to another host, whatever kusto.signIn.authorityHost says later.
    const profile: ServicePrincipalProfile = { ...unpinned, authorityHost: `https://${this.appAuthority(unpinned, endpoint.url).authorityHost}` };
    const id = servicePrincipalAccountId(profile);
    const idsBefore = await this.knownIdentityIds();
    const app = this.createAppClient(profile, endpoint.url, secret);
    let token: AccessTokenDetails;
    try {
      token = await this.appToken(await app, profile, endpoint.url, endpoint.scope, false);
      assertTokenAudience(token.accessToken, endpoint.url, 'The service principal sign-in');
    } catch (error) {
      this.appTokens.get(id)?.delete(endpoint.url);
      const failure =
        error instanceof SignInError
          ? error
          : error instanceof TokenAudienceError
            ? new SignInError('failed', error.message)
            : this.toSignInFailure(error, endpoint.url, profile.tenantId);
      this.log('warn', `Service principal sign-in for ${endpoint.url} failed: ${failure.message}`);
      throw failure;
    }
    if (secret) {
      await this.options.secretStore.store(servicePrincipalSecretKey(profile), secret);
    }
    await this.profiles.update((data) => ({
      ...data,
      servicePrincipals: [...data.servicePrincipals.filter((p) => servicePrincipalAccountId(p) !== id), profile],
    }));
    this.dropAppClients(id);
    this.appClients.set(`${id}|${this.appAuthority(profile, endpoint.url).key}`, app);
    await this.rememberIdentity(endpoint.url, id, idsBefore);
    this.log('info', `Signed in as service principal ${profile.clientId} (tenant ${profile.tenantId}) for ${endpoint.url}.`);
    this.fire();
    return (await this.listAccounts()).find((a) => a.homeAccountId === id) ?? this.appSummary(id, 'servicePrincipal', token.account.username, profile.tenantId);
  }

  /** Uses the machine's `az login` session for a cluster: checks that az gives a token, then remembers the choice. */
  async signInWithAzureCli(clusterUrl: string, options: { readonly tenant?: string } = {}): Promise<AccountSummary> {
    const endpoint = parseClusterUrl(clusterUrl);
    const idsBefore = await this.knownIdentityIds();
    const tenant = options.tenant?.trim() || this.options.clusterPreferences?.(endpoint.url)?.tenant;
    try {
      const token = await this.cliToken(endpoint.url, endpoint.scope, true, tenant);
      assertTokenAudience(token.accessToken, endpoint.url, 'Azure CLI');
    } catch (error) {
      this.appTokens.get(AZURE_CLI_ACCOUNT_ID)?.delete(endpoint.url);
      const failure =
        error instanceof AzureCliError
          ? new SignInError(error.reason === 'failed' || error.reason === 'badOutput' ? 'failed' : 'unavailable', error.message)
          : error instanceof TokenAudienceError
            ? new SignInError('failed', error.message)
            : error;
      this.log('warn', `Azure CLI sign-in for ${endpoint.url} failed: ${describeError(failure)}`);
      throw failure;
    }
    await this.profiles.update((data) => ({ ...data, azureCli: { tenant: tenant ?? data.azureCli?.tenant } }));
    await this.rememberIdentity(endpoint.url, AZURE_CLI_ACCOUNT_ID, idsBefore);
    this.log('info', `Using the Azure CLI session for ${endpoint.url}.`);
    this.fire();
    const summary = (await this.listAccounts()).find((a) => a.homeAccountId === AZURE_CLI_ACCOUNT_ID);
    return summary ?? this.appSummary(AZURE_CLI_ACCOUNT_ID, 'azureCli', 'Azure CLI', tenant ?? '');
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
    const force = options.forceRefresh === true;
    const recentKey = `${identity.id}|${endpoint.scope}`;
    const recent = force ? undefined : this.recentTokens.get(recentKey);
    const now = Date.now();
    if (recent && now - recent.obtainedAt < this.recentTokenReuseMs && !isDueForRefresh(recent.details.expiresOn, recent.lifetimeMs, this.refreshMarginSeconds, now)) {
      return { ...recent.details, fromCache: true };
    }
    const key = `${recentKey}|${force ? 'force' : 'cached'}`;
    const shared = this.refreshes.run(key, async () => {
      const details = await this.acquire(identity, endpoint.url, endpoint.scope, force);
      try {
        assertTokenAudience(details.accessToken, endpoint.url, signInMethodInfo(details.signInMethod).label + ' sign-in');
      } catch (error) {
        this.log('error', describeError(error));
        throw error;
      }
      this.rememberToken(recentKey, details);
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
    const data = await this.profiles.read();
    const users = await this.listUserAccounts(data);
    const others: AccountSummary[] = data.servicePrincipals.map((profile) => {
      const id = servicePrincipalAccountId(profile);
      return this.appSummary(id, 'servicePrincipal', `app ${profile.clientId}`, profile.tenantId, profile.authorityHost);
    });
    if (data.azureCli) {
      const held = [...(this.appTokens.get(AZURE_CLI_ACCOUNT_ID)?.values() ?? [])];
      const username = held.find((t) => t.username)?.username ?? 'Azure CLI session';
      const tenant = held.find((t) => t.tenantId)?.tenantId ?? data.azureCli.tenant ?? '';
      others.push(this.appSummary(AZURE_CLI_ACCOUNT_ID, 'azureCli', username, tenant));
    }
    return [...users, ...others];
  }

  /** The account a cluster's requests would use and its cached token's expiry; no network. */
  async describeSession(clusterUrl: string): Promise<SessionSummary | undefined> {
    const endpoint = parseClusterUrl(clusterUrl);
    const accounts = await this.listAccounts();
    const choice = this.chooseIdentity(
      endpoint.url,
      accounts.map((a) => ({ id: a.homeAccountId, kind: kindOfMethod(a.signInMethod), environment: a.environment, tenantId: a.tenantId })),
    );
    const account = 'id' in choice ? accounts.find((a) => a.homeAccountId === choice.id) : undefined;
    if (!account) {
      return undefined;
    }
    // By scope: a Monitor proxy endpoint's token is held under its cloud's Kusto service scope, not its URL.
    const scope = account.scopes.find((s) => s.scope === endpoint.scope);
    return { clusterUrl: endpoint.url, scope: endpoint.scope, account, expiresOn: scope?.expiresOn };
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
    await this.mapping.set(endpoint.url, homeAccountId);
    this.fire();
  }

  /** Removes one identity (or all) with every token it holds; afterwards nothing is acquired silently for it. */
  async signOut(homeAccountId: string | 'all'): Promise<number> {
    const all = homeAccountId === 'all';
    const data = await this.profiles.read();
    const removedNames: string[] = [];
    const removedIds = new Set<string>();
    if (all || (!isServicePrincipalAccountId(homeAccountId) && homeAccountId !== AZURE_CLI_ACCOUNT_ID)) {
      const settingsAuthority = resolveAuthority(this.options.settings());
      const hasStoredCache = this.clients.size > 0 || !!(await this.options.secretStore.get(secretKeyFor(settingsAuthority.clientId)));
      if (hasStoredCache) {
        const { pca } = await this.client({});
        const removed = await this.queue.run(async () => {
          const cache = pca.getTokenCache();
          const accounts = await cache.getAllAccounts();
          const targets = all ? accounts : accounts.filter((a) => a.homeAccountId === homeAccountId);
          for (const account of targets) {
            await cache.removeAccount(account);
          }
          return targets;
        });
        for (const account of removed) {
          removedIds.add(account.homeAccountId);
          removedNames.push(account.username);
        }
      }
    }
    if (all) {
      // Every token cache this extension wrote, whatever client id it was for (kusto.signIn.clientId may have changed).
      for (const plugin of this.plugins.values()) {
        await plugin.clear();
      }
      await forgetAllCaches(this.options.secretStore, [secretKeyFor(resolveAuthority(this.options.settings()).clientId)]);
    }
    for (const profile of data.servicePrincipals) {
      const id = servicePrincipalAccountId(profile);
      if (all || id === homeAccountId) {
        await this.options.secretStore.delete(servicePrincipalSecretKey(profile));
        this.dropAppClients(id);
        this.appTokens.delete(id);
        removedIds.add(id);
        removedNames.push(`service principal ${profile.clientId}`);
      }
    }
    if (data.azureCli && (all || homeAccountId === AZURE_CLI_ACCOUNT_ID)) {
      this.appTokens.delete(AZURE_CLI_ACCOUNT_ID);
      removedIds.add(AZURE_CLI_ACCOUNT_ID);
      removedNames.push('Azure CLI');
    }
    if (all) {
      await this.profiles.clear();
    } else if (removedIds.size > 0) {
      await this.profiles.update((current) => ({
        users: Object.fromEntries(Object.entries(current.users).filter(([id]) => !removedIds.has(id))),
        servicePrincipals: current.servicePrincipals.filter((p) => !removedIds.has(servicePrincipalAccountId(p))),
        azureCli: removedIds.has(AZURE_CLI_ACCOUNT_ID) ? undefined : current.azureCli,
      }));
    }
    for (const [cluster, id] of this.mapping.entries()) {
      if (all || removedIds.has(id)) {
        await this.mapping.set(cluster, undefined);
      }
    }
    this.recentTokens.clear();
    this.log('info', removedNames.length ? `Signed out ${removedNames.join(', ')}.` : 'Nobody to sign out.');
    this.fire();
    return removedIds.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listeners.clear();
    for (const plugin of this.plugins.values()) {
      plugin.dispose();
    }
    await this.ownNetworkClient?.close();
  }

  // ---- choosing the identity -------------------------------------------------------------------------------

  private async identityFor(clusterUrl: string): Promise<Identity> {
    const data = await this.profiles.read();
    const hasUserCache = this.clients.size > 0 || !!(await this.options.secretStore.get(secretKeyFor(resolveAuthority(this.options.settings()).clientId)));
    let userAccounts: AccountInfo[] = [];
    let pca: PublicClientApplication | undefined;
    if (hasUserCache) {
      pca = (await this.client({})).pca;
      userAccounts = await this.allAccounts(pca);
    }
    const candidates: IdentityCandidate[] = [
      ...userAccounts.map((a) => ({ id: a.homeAccountId, kind: 'user' as const, environment: a.environment, tenantId: a.tenantId })),
      ...data.servicePrincipals.map((p) => ({ id: servicePrincipalAccountId(p), kind: 'servicePrincipal' as const, tenantId: p.tenantId })),
      ...(data.azureCli ? [{ id: AZURE_CLI_ACCOUNT_ID, kind: 'azureCli' as const }] : []),
    ];
    const choice = this.chooseIdentity(clusterUrl, candidates);
    if (!('id' in choice)) {
      throw new SignInRequiredError(clusterUrl, choice.reason);
    }
    const prefs = this.options.clusterPreferences?.(clusterUrl);
    if (choice.id === AZURE_CLI_ACCOUNT_ID) {
      return { kind: 'azureCli', id: AZURE_CLI_ACCOUNT_ID, tenant: prefs?.tenant ?? data.azureCli?.tenant };
    }
    if (isServicePrincipalAccountId(choice.id)) {
      const profile = data.servicePrincipals.find((p) => servicePrincipalAccountId(p) === choice.id) as ServicePrincipalProfile;
      return { kind: 'servicePrincipal', id: choice.id, profile };
    }
    const account = userAccounts.find((a) => a.homeAccountId === choice.id) as AccountInfo;
    const record = data.users[account.homeAccountId];
    const authority: AuthorityTarget = record ? { authorityHost: record.authorityHost, tenant: record.tenant } : this.authorityTargetFor(clusterUrl);
    return { kind: 'user', id: account.homeAccountId, account, authority, method: record?.method ?? 'deviceCode' };
  }

  /**
   * Which identity serves a cluster: the one chosen for it; else what the cluster's `signInMethod` asks for; else
   * the default (first signed in) when it can reach the cluster's cloud; else any user account of that cloud;
   * else Azure CLI when that is the configured way (it needs no sign-in in VS Code).
   */
  private chooseIdentity(clusterUrl: string, candidates: readonly IdentityCandidate[]): { id: string } | { reason: string } {
    const chosen = this.mapping.get(clusterUrl);
    if (chosen) {
      return candidates.some((c) => c.id === chosen) ? { id: chosen } : { reason: 'the account chosen for this cluster is no longer signed in' };
    }
    const prefs = this.options.clusterPreferences?.(clusterUrl);
    const clusterLoginHost = safeAuthorityHost(() => resolveAuthority(this.options.settings(), { clusterUrl }));
    const reachesCluster = (c: IdentityCandidate): boolean =>
      c.kind !== 'user' || !c.environment || !clusterLoginHost || isSameLoginCloud(c.environment, clusterLoginHost);
    const wanted = prefs?.signInMethod ? kindOfMethod(prefs.signInMethod) : undefined;
    if (wanted === 'azureCli') {
      return { id: AZURE_CLI_ACCOUNT_ID };
    }
    if (wanted === 'servicePrincipal') {
      const apps = candidates.filter((c) => c.kind === 'servicePrincipal');
      const match = apps.find((c) => prefs?.tenant && c.tenantId?.toLowerCase() === prefs.tenant.toLowerCase()) ?? apps[0];
      return match ? { id: match.id } : { reason: 'this cluster signs in with a service principal, and none is signed in' };
    }
    const fallback = this.mapping.get(DEFAULT_ACCOUNT_KEY);
    const defaultCandidate = candidates.find((c) => c.id === fallback);
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
    if (!wanted && this.options.settings().method === 'azureCli') {
      return { id: AZURE_CLI_ACCOUNT_ID };
    }
    if (candidates.some((c) => c.kind === 'user')) {
      return { reason: `no signed-in account belongs to the cloud of this cluster (${clusterLoginHost ?? 'unknown login host'})` };
    }
    return { reason: 'nobody is signed in' };
  }

  /** After a sign-in: the first identity serves every cluster without its own; a later one serves this cluster. */
  private async rememberIdentity(clusterUrl: string, id: string, idsBefore: ReadonlySet<string>): Promise<void> {
    const defaultId = this.mapping.get(DEFAULT_ACCOUNT_KEY);
    if (!defaultId || !idsBefore.has(defaultId)) {
      await this.mapping.set(DEFAULT_ACCOUNT_KEY, id);
      if (this.mapping.get(clusterUrl) && this.mapping.get(clusterUrl) !== id) {
        await this.mapping.set(clusterUrl, id);
      }
    } else if (defaultId !== id || this.mapping.get(clusterUrl)) {
      // Signing in with a second identity (e.g. a guest tenant) for this cluster: this cluster uses it from now on.
      await this.mapping.set(clusterUrl, id);
    }
  }

  private async knownIdentityIds(): Promise<Set<string>> {
    return new Set((await this.listAccounts()).map((a) => a.homeAccountId));
  }

  // ---- getting tokens --------------------------------------------------------------------------------------

  private async acquire(identity: Identity, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    switch (identity.kind) {
      case 'user': {
        const { pca } = await this.client(identity.authority);
        return this.acquireSilently(pca, identity.account, clusterUrl, scope, force, identity.method);
      }
      case 'servicePrincipal': {
        const app = await this.appClientFor(identity.profile, clusterUrl);
        try {
          return await this.appToken(app, identity.profile, clusterUrl, scope, force);
        } catch (error) {
          const explained = explainAadError(error, { clusterUrl, tenant: identity.profile.tenantId });
          if (explained) {
            this.log('warn', explained.message);
            throw new SignInRequiredError(clusterUrl, explained.message);
          }
          throw error;
        }
      }
      case 'azureCli':
        try {
          return await this.cliToken(clusterUrl, scope, force, identity.tenant);
        } catch (error) {
          if (error instanceof AzureCliError && (error.reason === 'notLoggedIn' || error.reason === 'notInstalled')) {
            throw new SignInRequiredError(clusterUrl, error.message);
          }
          throw error;
        }
    }
  }

  private async acquireSilently(
    pca: PublicClientApplication,
    account: AccountInfo,
    clusterUrl: string,
    scope: string,
    force: boolean,
    method: SignInMethod,
  ): Promise<AccessTokenDetails> {
    const silent = (forceRefresh: boolean) => this.queue.run(() => pca.acquireTokenSilent({ account, scopes: [scope], forceRefresh }));
    let result: AuthenticationResult;
    try {
      result = await silent(force);
      // A token MSAL has just renewed (fromCache false) is never renewed again.
      if (!force && result.fromCache && result.expiresOn && isDueForRefresh(result.expiresOn, tokenLifetimeMs(result.accessToken, result.expiresOn), this.refreshMarginSeconds)) {
        this.log('info', `The token for ${clusterUrl} expires soon; refreshing it.`);
        result = await silent(true);
      }
    } catch (error) {
      if (isSignInRequired(error)) {
        const reason = explainAadError(error, { clusterUrl, tenant: account.tenantId })?.message ?? describeSilentFailure(error);
        this.log('warn', `No token for ${clusterUrl} without signing in: ${reason}.`);
        throw new SignInRequiredError(clusterUrl, reason);
      }
      const cause = this.ownNetworkClient?.takeRecentFailure();
      const message = `Could not get a token for ${clusterUrl}: ${cause ?? describeError(error)}`;
      this.log('error', message);
      throw new Error(message);
    }
    if (!result.accessToken) {
      throw new SignInRequiredError(clusterUrl, 'the sign-in service returned no access token');
    }
    const username = result.account?.username ?? account.username;
    if (!result.fromCache) {
      this.log('info', `Got a new token for ${clusterUrl} (account ${username}).`);
      this.fire();
    }
    return {
      accessToken: result.accessToken,
      expiresOn: result.expiresOn ?? new Date(Date.now() + 60_000),
      scope,
      account: { homeAccountId: account.homeAccountId, username, tenantId: result.account?.tenantId ?? account.tenantId },
      fromCache: result.fromCache,
      signInMethod: method,
    };
  }

  private async appToken(app: ConfidentialClientApplication, profile: ServicePrincipalProfile, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    const id = servicePrincipalAccountId(profile);
    let result: AuthenticationResult | null;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: force });
      if (result && !force && result.fromCache && result.expiresOn && isDueForRefresh(result.expiresOn, tokenLifetimeMs(result.accessToken, result.expiresOn), this.refreshMarginSeconds)) {
        result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
      }
    } catch (error) {
      const explained = explainAadError(error, { clusterUrl, tenant: profile.tenantId });
      if (explained) {
        throw new SignInError(explained.reason, explained.message);
      }
      const cause = this.ownNetworkClient?.takeRecentFailure();
      throw new Error(`Could not get a token for ${clusterUrl} as service principal ${profile.clientId}: ${cause ?? describeError(error)}`);
    }
    if (!result?.accessToken) {
      throw new SignInError('failed', `The sign-in service returned no token for service principal ${profile.clientId}.`);
    }
    const expiresOn = result.expiresOn ?? new Date(Date.now() + 60_000);
    const known = this.appTokens.get(id)?.get(clusterUrl);
    this.holdAppToken(id, clusterUrl, { accessToken: result.accessToken, expiresOn, username: `app ${profile.clientId}`, tenantId: profile.tenantId });
    if (!result.fromCache && known?.accessToken !== result.accessToken) {
      this.log('info', `Got a new token for ${clusterUrl} (service principal ${profile.clientId}).`);
      this.fire();
    }
    return {
      accessToken: result.accessToken,
      expiresOn,
      scope,
      account: { homeAccountId: id, username: `app ${profile.clientId}`, tenantId: profile.tenantId },
      fromCache: result.fromCache,
      signInMethod: 'servicePrincipal',
    };
  }

  private async cliToken(clusterUrl: string, scope: string, force: boolean, tenant: string | undefined): Promise<AccessTokenDetails> {
    const held = this.appTokens.get(AZURE_CLI_ACCOUNT_ID)?.get(clusterUrl);
    const fromCache = !force && !!held && !isDueForRefresh(held.expiresOn, tokenLifetimeMs(held.accessToken, held.expiresOn), this.refreshMarginSeconds);
    let token = held;
    if (!fromCache || !token) {
      const fresh = await getAzureCliToken(clusterUrl, { ...this.options.azureCli, tenant });
      const claims = safeClaims(fresh.accessToken);
      token = { accessToken: fresh.accessToken, expiresOn: fresh.expiresOn, username: claims?.account ?? claims?.appId ?? 'Azure CLI session', tenantId: claims?.tenantId ?? fresh.tenant ?? '' };
      this.holdAppToken(AZURE_CLI_ACCOUNT_ID, clusterUrl, token);
      this.log('info', `Got a new token for ${clusterUrl} from Azure CLI.`);
      this.fire();
    }
    return {
      accessToken: token.accessToken,
      expiresOn: token.expiresOn,
      scope,
      account: { homeAccountId: AZURE_CLI_ACCOUNT_ID, username: token.username, tenantId: token.tenantId },
      fromCache,
      signInMethod: 'azureCli',
    };
  }

  private rememberToken(key: string, details: AccessTokenDetails): void {
    const obtainedAt = Date.now();
    this.recentTokens.set(key, { details, obtainedAt, lifetimeMs: tokenLifetimeMs(details.accessToken, details.expiresOn, obtainedAt) });
  }

  private holdAppToken(id: string, clusterUrl: string, token: { accessToken: string; expiresOn: Date; username: string; tenantId: string }): void {
    let byCluster = this.appTokens.get(id);
    if (!byCluster) {
      byCluster = new Map();
      this.appTokens.set(id, byCluster);
    }
    byCluster.set(clusterUrl, token);
  }

  // ---- clients ---------------------------------------------------------------------------------------------

  /** The authority a cluster signs in at: the cluster's cloud and tenant, or the one chosen at sign-in. */
  private authorityTargetFor(clusterUrl: string, chosenTenant?: string): AuthorityTarget {
    const tenant = chosenTenant?.trim() || this.options.clusterPreferences?.(clusterUrl)?.tenant?.trim() || undefined;
    return { clusterUrl, tenant };
  }

  private appAuthority(profile: ServicePrincipalProfile, clusterUrl: string): ResolvedAuthority {
    return resolveAuthority(
      { ...this.options.settings(), clientId: profile.clientId },
      { clusterUrl, tenant: profile.tenantId, authorityHost: profile.authorityHost },
    );
  }

  private appClientFor(profile: ServicePrincipalProfile, clusterUrl: string): Promise<ConfidentialClientApplication> {
    const id = servicePrincipalAccountId(profile);
    const key = `${id}|${this.appAuthority(profile, clusterUrl).key}`;
    let app = this.appClients.get(key);
    if (!app) {
      app = (async () => {
        const secret = profile.certificatePath ? undefined : await this.options.secretStore.get(servicePrincipalSecretKey(profile));
        if (!profile.certificatePath && !secret) {
          throw new SignInRequiredError(clusterUrl, `the client secret of service principal ${profile.clientId} is no longer stored; sign in with it again`);
        }
        return this.createAppClient(profile, clusterUrl, secret);
      })();
      this.appClients.set(key, app);
      app.catch(() => this.appClients.delete(key));
    }
    return app;
  }

  private async createAppClient(profile: ServicePrincipalProfile, clusterUrl: string, secret: string | undefined): Promise<ConfidentialClientApplication> {
    const authority = this.appAuthority(profile, clusterUrl);
    const msal = await import('@azure/msal-node');
    let clientCertificate: { thumbprintSha256: string; privateKey: string; x5c: string } | undefined;
    if (!secret) {
      try {
        const certificate = await loadCertificateCredential(profile.certificatePath as string);
        clientCertificate = { thumbprintSha256: certificate.thumbprintSha256, privateKey: certificate.privateKey, x5c: certificate.certificatePem };
      } catch (error) {
        throw new SignInError('failed', describeError(error));
      }
    }
    return new msal.ConfidentialClientApplication({
      auth: {
        clientId: profile.clientId,
        authority: authority.authority,
        knownAuthorities: [...authority.knownAuthorities],
        ...(secret ? { clientSecret: secret } : { clientCertificate }),
      },
      system: { networkClient: await this.networkClient(), loggerOptions: this.loggerOptions(msal) },
    });
  }

  private dropAppClients(id: string): void {
    for (const key of [...this.appClients.keys()]) {
      if (key.startsWith(`${id}|`)) {
        this.appClients.delete(key);
      }
    }
  }

  private appSummary(id: string, method: SignInMethod, username: string, tenantId: string, authorityHost?: string): AccountSummary {
    const held = [...(this.appTokens.get(id)?.entries() ?? [])];
    return {
      homeAccountId: id,
      username,
      name: signInMethodInfo(method).label,
      tenantId,
      environment: authorityHost ?? (method === 'azureCli' ? 'az login' : ''),
      scopes: held
        .map(([clusterUrl, token]) => ({ scope: `${clusterUrl}/.default`, clusterUrl, expiresOn: token.expiresOn }))
        .sort((a, b) => a.expiresOn.getTime() - b.expiresOn.getTime()),
      assignedClusters: this.mapping
        .entries()
        .filter(([cluster, owner]) => cluster !== DEFAULT_ACCOUNT_KEY && owner === id)
        .map(([cluster]) => cluster),
      isDefault: this.mapping.get(DEFAULT_ACCOUNT_KEY) === id,
      signInMethod: method,
    };
  }

  private async listUserAccounts(data: SignInProfilesData): Promise<AccountSummary[]> {
    const authority = resolveAuthority(this.options.settings());
    if (this.clients.size === 0 && !(await this.options.secretStore.get(secretKeyFor(authority.clientId)))) {
      return [];
    }
    const { pca } = await this.client({});
    const { accounts, serialized } = await this.queue.run(async () => {
      const cache = pca.getTokenCache();
      const found = await cache.getAllAccounts();
      return { accounts: found, serialized: cache.serialize() };
    });
    const tokens = accessTokensOf(serialized, authority.clientId);
    return accounts.map((account) => toSummary(account, tokens, this.mapping, data.users[account.homeAccountId]?.method ?? 'deviceCode'));
  }

  private async completeUserSignIn(
    result: AuthenticationResult,
    accountsBefore: ReadonlySet<string>,
    clusterUrl: string,
    scope: string,
    method: SignInMethod,
    authority: ResolvedAuthority,
  ): Promise<AccountSummary> {
    const account = result.account as AccountInfo;
    const accessToken = result.accessToken;
    const idsBefore = new Set([...accountsBefore, ...(await this.knownIdentityIds())]);
    idsBefore.delete(accountsBefore.has(account.homeAccountId) ? '' : account.homeAccountId);
    await this.profiles.update((data) => ({
      ...data,
      users: { ...data.users, [account.homeAccountId]: { method, authorityHost: `https://${authority.authorityHost}`, tenant: tenantOf(authority) } },
    }));
    await this.rememberIdentity(clusterUrl, account.homeAccountId, idsBefore);
    let audienceChecked = false;
    try {
      assertTokenAudience(accessToken, clusterUrl, `${signInMethodInfo(method).label} sign-in`);
      audienceChecked = true;
    } catch (error) {
      this.log('error', describeError(error));
    }
    if (result.expiresOn && audienceChecked) {
      // The first request after a sign-in uses this token: asking MSAL would renew a short-lived one at once.
      this.rememberToken(`${account.homeAccountId}|${scope}`, {
        accessToken,
        expiresOn: result.expiresOn,
        scope,
        account: { homeAccountId: account.homeAccountId, username: account.username, tenantId: account.tenantId },
        fromCache: false,
        signInMethod: method,
      });
    }
    this.log('info', `Signed in as ${account.username} for ${clusterUrl} (${signInMethodInfo(method).label}).`);
    this.fire();
    const summary = (await this.listAccounts()).find((a) => a.homeAccountId === account.homeAccountId);
    return summary ?? toSummary(account, [], this.mapping, method);
  }

  /** Turns what MSAL throws from an interactive or app sign-in into a SignInError with a message to act on. */
  private toSignInFailure(error: unknown, clusterUrl: string, tenant: string): SignInError {
    if (error instanceof SignInError) {
      return error;
    }
    const explained = explainAadError(this.withServerError(error), { clusterUrl, tenant });
    if (explained) {
      return new SignInError(explained.reason, explained.message);
    }
    if (/user_cancelled|user_canceled/.test(`${errorCodeOf(error) ?? ''} ${describeError(error)}`)) {
      return new SignInError('cancelled', `Sign-in to ${clusterUrl} was cancelled.`);
    }
    const cause = this.ownNetworkClient?.takeRecentFailure();
    return new SignInError('failed', `Sign-in to ${clusterUrl} failed: ${cause ?? describeError(error)}`);
  }

  /** MSAL drops the server's error description from some failures: put it back from the network client. */
  private withServerError(error: unknown): unknown {
    const serverError = this.ownNetworkClient?.takeRecentOAuthError();
    if (!serverError || describeError(error).includes(serverError)) {
      return error;
    }
    return Object.assign(new Error(`${describeError(error)} (${serverError})`), { errorCode: errorCodeOf(error) });
  }

  /** A generic MSAL failure gets the network cause behind it, when there is one. */
  private withNetworkCause(failure: DeviceCodeSignInError): DeviceCodeSignInError {
    const cause = failure.reason === 'failed' ? this.ownNetworkClient?.takeRecentFailure() : undefined;
    return cause ? new DeviceCodeSignInError('failed', `${failure.message} — ${cause}`) : failure;
  }

  private allAccounts(pca: PublicClientApplication): Promise<AccountInfo[]> {
    return this.queue.run(() => pca.getTokenCache().getAllAccounts());
  }

  /** A sign-in the user cancelled may still complete: do not keep an account they gave up on. */
  private async undoLateSignIn(pca: PublicClientApplication, flow: Promise<AuthenticationResult | null>, accountsBefore: ReadonlySet<string>): Promise<void> {
    try {
      const late = await flow;
      if (late?.account && !accountsBefore.has(late.account.homeAccountId)) {
        await this.queue.run(() => pca.getTokenCache().removeAccount(late.account as AccountInfo));
        this.log('info', 'A sign-in completed after it was cancelled; its account was removed again.');
        this.fire();
      }
    } catch {
      // The expected outcome: MSAL stopped.
    }
  }

  /** The public client for an authority (one per client id + authority); all share one token cache. */
  private client(target: AuthorityTarget): Promise<ClientEntry> {
    if (this.disposed) {
      return Promise.reject(new Error('Kusto sign-in has been shut down.'));
    }
    let authority: ResolvedAuthority;
    try {
      authority = resolveAuthority(this.options.settings(), target);
    } catch (error) {
      return Promise.reject(error);
    }
    let entry = this.clients.get(authority.key);
    if (!entry) {
      entry = this.createClient(authority);
      this.clients.set(authority.key, entry);
      entry.catch(() => this.clients.delete(authority.key));
    }
    return entry;
  }

  private async networkClient(): Promise<INetworkModule> {
    if (this.options.networkClient) {
      return this.options.networkClient;
    }
    // One HTTP client (one connection pool) for every authority.
    const { UndiciNetworkClient } = await import('./undiciNetworkClient');
    const shared = (this.ownNetworkClient ??= new UndiciNetworkClient({ extraCaCertificates: this.options.extraCaCertificates }));
    return shared as InstanceType<typeof UndiciNetworkClient>;
  }

  private loggerOptions(msal: typeof import('@azure/msal-node')) {
    return {
      piiLoggingEnabled: false,
      logLevel: msal.LogLevel.Warning,
      loggerCallback: (level: number, message: string, containsPii: boolean) => {
        if (containsPii) {
          return;
        }
        const text = `MSAL: ${redactSecrets(message)}`;
        if (level === msal.LogLevel.Error) {
          this.log('error', text);
        } else {
          this.log('warn', text);
        }
      },
    };
  }

  private async createClient(authority: ResolvedAuthority): Promise<ClientEntry> {
    const msal = await import('@azure/msal-node');
    const pca = new msal.PublicClientApplication({
      auth: {
        clientId: authority.clientId,
        authority: authority.authority,
        knownAuthorities: [...authority.knownAuthorities],
      },
      cache: { cachePlugin: this.pluginFor(authority.clientId) },
      system: { networkClient: await this.networkClient(), loggerOptions: this.loggerOptions(msal) },
    });
    this.log('info', `Sign-in client ready for ${authority.authority}${authority.knownAuthorities.length ? ' (custom authority host)' : ''}.`);
    return { authority, pca };
  }

  private pluginFor(clientId: string): SecretStoreCachePlugin {
    let plugin = this.plugins.get(clientId);
    if (!plugin) {
      plugin = new SecretStoreCachePlugin(this.options.secretStore, secretKeyFor(clientId), {
        onCorruptCache: (message) => {
          this.options.onCorruptCache?.(message);
          this.fire();
        },
        onExternalChange: () => {
          // Another window signed in or out: what this window obtained may no longer be wanted.
          this.recentTokens.clear();
          this.fire();
        },
        log: (level, message) => this.log(level, message),
      });
      this.plugins.set(clientId, plugin);
    }
    return plugin;
  }

  private fire(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        this.log('warn', `A sign-in change listener failed: ${describeError(error)}`);
      }
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    const log = this.options.log;
    if (!log) {
      return;
    }
    log[level](redactSecrets(message));
  }
}

export function secretKeyFor(clientId: string): string {
  return `${SECRET_KEY_PREFIX}${clientId.toLowerCase()}`;
}

function kindOfMethod(method: SignInMethod): Identity['kind'] {
  return method === 'servicePrincipal' ? 'servicePrincipal' : method === 'azureCli' ? 'azureCli' : 'user';
}

function tenantOf(authority: ResolvedAuthority): string {
  return authority.authority.slice(authority.authority.lastIndexOf('/') + 1);
}

function safeAuthorityHost(resolve: () => ResolvedAuthority): string | undefined {
  try {
    return resolve().authorityHost;
  } catch {
    return undefined;
  }
}

function safeClaims(token: string): TokenClaimsSummary | undefined {
  try {
    return summarizeTokenClaims(token);
  } catch {
    return undefined;
  }
}

/**
 * Ends a browser sign-in that the user cancelled: MSAL's loopback listener waits for an answer with no timeout,
 * so answer it with access_denied as the sign-in page would (to 127.0.0.1 only, where MSAL listens).
 */
async function cancelLoopback(authorizeUrl: string | undefined): Promise<void> {
  if (!authorizeUrl) {
    return;
  }
  try {
    const query = new URL(authorizeUrl).searchParams;
    const redirect = new URL(query.get('redirect_uri') ?? '');
    if (redirect.hostname !== 'localhost' && redirect.hostname !== '127.0.0.1') {
      return;
    }
    redirect.hostname = '127.0.0.1';
    const body = new URLSearchParams({ error: 'access_denied', error_description: 'user_cancelled', state: query.get('state') ?? '' });
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(redirect, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve());
      req.end(body.toString());
    });
  } catch {
    // Nothing more to do: the listener ends with the extension host.
  }
}

function isSignInRequired(error: unknown): boolean {
  if (!error || typeof error !== 'object') {
    return false;
  }
  if ((error as { name?: unknown }).name === 'InteractionRequiredAuthError') {
    return true;
  }
  const code = errorCodeOf(error);
  return code === 'no_account_in_silent_request' || code === 'no_tokens_found' || code === 'invalid_grant' || code === 'no_account_error';
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  if (!signal) {
    return promise;
  }
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(abortError());
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

function abortError(): Error {
  const error = new Error('The request was cancelled.');
  error.name = 'AbortError';
  return error;
}

function accessTokensOf(serialized: string, clientId: string): SerializedAccessToken[] {
  try {
    const parsed = JSON.parse(serialized) as { AccessToken?: Record<string, SerializedAccessToken> };
    return Object.values(parsed.AccessToken ?? {}).filter((t) => !t.client_id || t.client_id.toLowerCase() === clientId);
  } catch {
    return [];
  }
}

function toSummary(account: AccountInfo, tokens: readonly SerializedAccessToken[], mapping: AccountMappingStore, signInMethod: SignInMethod): AccountSummary {
  const scopes = new Map<string, ScopeSummary>();
  for (const token of tokens) {
    if (token.home_account_id !== account.homeAccountId || (token.environment && token.environment !== account.environment)) {
      continue;
    }
    const expiresOn = new Date(Number(token.expires_on) * 1000);
    for (const scope of (token.target ?? '').split(/\s+/)) {
      const clusterUrl = clusterOfScope(scope);
      if (!clusterUrl) {
        continue;
      }
      const existing = scopes.get(clusterUrl);
      if (!existing || existing.expiresOn < expiresOn) {
        scopes.set(clusterUrl, { scope: `${clusterUrl}/.default`, clusterUrl, expiresOn });
      }
    }
  }
  return {
    homeAccountId: account.homeAccountId,
    username: account.username,
    name: account.name,
    tenantId: account.tenantId,
    environment: account.environment,
    scopes: [...scopes.values()].sort((a, b) => a.expiresOn.getTime() - b.expiresOn.getTime()),
    assignedClusters: mapping
      .entries()
      .filter(([cluster, id]) => cluster !== DEFAULT_ACCOUNT_KEY && id === account.homeAccountId)
      .map(([cluster]) => cluster),
    isDefault: mapping.get(DEFAULT_ACCOUNT_KEY) === account.homeAccountId,
    signInMethod,
  };
}

function clusterOfScope(scope: string): string | undefined {
  if (!scope.toLowerCase().endsWith('/.default')) {
    return undefined;
  }
  try {
    return parseClusterUrl(scope.slice(0, -'/.default'.length)).url;
  } catch {
    return undefined;
  }
}
