import type { AccountInfo, AuthenticationResult, DeviceCodeRequest, INetworkModule, PublicClientApplication } from '@azure/msal-node';
import { parseClusterUrl } from '../clusterUrl';
import { AccessTokenSource, SignInRequiredError, TokenRequestOptions } from './accessTokenSource';
import { AccountMappingStore, DEFAULT_ACCOUNT_KEY, InMemoryAccountMappingStore } from './accountMapping';
import { DeviceCodeSignInError, describeSilentFailure, errorCodeOf, toDeviceCodeSignInError } from './authErrors';
import { ResolvedAuthority, SignInSettings, resolveAuthority } from './authoritySettings';
import { describeError, redactSecrets } from './redact';
import type { SecretStore } from './secretStore';
import { SecretStoreCachePlugin } from './secretStoreCachePlugin';
import { SerialQueue, SingleFlight } from './serialQueue';
import { needsRefresh } from './tokenExpiry';

/** Where the broker writes; vscode.LogOutputChannel fits. Messages never contain token text. */
export interface AuthLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

export interface TokenBrokerOptions {
  readonly secretStore: SecretStore;
  /** Read on every use, so a settings change takes effect without a restart. */
  readonly settings: () => SignInSettings;
  readonly accountMapping?: AccountMappingStore;
  readonly log?: AuthLog;
  /** Called once per corrupt stored cache (after it was replaced by an empty one). */
  readonly onCorruptCache?: (message: string) => void;
  /** Refresh a cached token that expires within this many seconds (default 300). */
  readonly refreshMarginSeconds?: number;
  /** MSAL's HTTP layer; default an UndiciNetworkClient (loaded on first use). */
  readonly networkClient?: INetworkModule;
  /** Extra CA certificates (PEM) for the default network client, for a process started without NODE_EXTRA_CA_CERTS. */
  readonly extraCaCertificates?: readonly string[];
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
}

export interface AccessTokenDetails {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly scope: string;
  readonly account: { readonly homeAccountId: string; readonly username: string; readonly tenantId: string };
  readonly fromCache: boolean;
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

const SECRET_KEY_PREFIX = 'kusto.msalCache.';

/**
 * Signs users in per resource scope with MSAL and hands out access tokens for one cluster at a time.
 * Everything here is VS Code-free: the secret store, settings and account mapping are passed in.
 */
export class TokenBroker implements AccessTokenSource {
  private readonly queue = new SerialQueue();
  private readonly refreshes = new SingleFlight<AccessTokenDetails>();
  private readonly clients = new Map<string, Promise<ClientEntry>>();
  private readonly plugins = new Map<string, SecretStoreCachePlugin>();
  private readonly listeners = new Set<() => void>();
  private readonly mapping: AccountMappingStore;
  private readonly refreshMarginSeconds: number;
  private ownNetworkClient: { close(): Promise<void>; takeRecentFailure(): string | undefined } | undefined;
  private disposed = false;

  constructor(private readonly options: TokenBrokerOptions) {
    this.mapping = options.accountMapping ?? new InMemoryAccountMappingStore();
    this.refreshMarginSeconds = options.refreshMarginSeconds ?? 300;
  }

  /** Fires after sign-in, sign-out, a token refresh, or another window changing the stored cache. */
  onDidChange(listener: () => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Device code sign-in for one cluster's scope. `onCode` gets the code to show; aborting `signal` cancels the
   * polling. Rejects with DeviceCodeSignInError (cancelled, declined, expired, failed); nothing is stored then.
   */
  async signInWithDeviceCode(clusterUrl: string, onCode: (prompt: DeviceCodePrompt) => void, signal?: AbortSignal): Promise<AccountSummary> {
    const endpoint = parseClusterUrl(clusterUrl);
    const { pca } = await this.client();
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
    this.log('info', `Device code sign-in started for ${endpoint.url}.`);
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
        void this.undoLateSignIn(flow, accountsBefore);
      }
      const failure = signal?.aborted
        ? toDeviceCodeSignInError({ errorCode: 'device_code_polling_cancelled' }, endpoint.url)
        : this.withNetworkCause(toDeviceCodeSignInError(error, endpoint.url));
      this.log(failure.reason === 'failed' ? 'error' : 'info', failure.message);
      throw failure;
    }
    if (!result?.account || !result.accessToken) {
      throw new DeviceCodeSignInError('failed', `Sign-in to ${endpoint.url} returned no account; try again.`);
    }
    const account = result.account;
    const defaultAccount = this.mapping.get(DEFAULT_ACCOUNT_KEY);
    if (!defaultAccount || !accountsBefore.has(defaultAccount)) {
      // The first account signed in serves every cluster that has no account of its own.
      await this.mapping.set(DEFAULT_ACCOUNT_KEY, account.homeAccountId);
    } else if (defaultAccount !== account.homeAccountId || this.mapping.get(endpoint.url)) {
      // Signing in with a second account (e.g. a guest tenant) for this cluster: this cluster uses it from now on.
      await this.mapping.set(endpoint.url, account.homeAccountId);
    }
    this.log('info', `Signed in as ${account.username} for ${endpoint.url}.`);
    this.fire();
    const summary = (await this.listAccounts()).find((a) => a.homeAccountId === account.homeAccountId);
    return summary ?? toSummary(account, [], this.mapping);
  }

  getToken(clusterUrl: string, options?: TokenRequestOptions): Promise<string> {
    return this.getTokenDetails(clusterUrl, options).then((details) => details.accessToken);
  }

  /**
   * A token whose audience is this cluster only, silently: from the cache, refreshed when it expires within the
   * refresh margin (or always with forceRefresh). Concurrent requests for the same account and scope share one
   * refresh. Throws SignInRequiredError when the user must sign in.
   */
  async getTokenDetails(clusterUrl: string, options: TokenRequestOptions = {}): Promise<AccessTokenDetails> {
    const endpoint = parseClusterUrl(clusterUrl);
    const { pca } = await this.client();
    const account = await this.accountFor(pca, endpoint.url);
    const force = options.forceRefresh === true;
    const key = `${account.homeAccountId}|${endpoint.scope}|${force ? 'force' : 'cached'}`;
    const shared = this.refreshes.run(key, () => this.acquireSilently(pca, account, endpoint.url, endpoint.scope, force));
    return raceAbort(shared, options.signal);
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

  /** Accounts in the cache with the scopes they hold tokens for. Does not load MSAL while nothing is stored. */
  async listAccounts(): Promise<AccountSummary[]> {
    const authority = resolveAuthority(this.options.settings());
    if (!this.clients.has(authority.key) && !(await this.options.secretStore.get(secretKeyFor(authority.clientId)))) {
      return [];
    }
    const { pca } = await this.client();
    const { accounts, serialized } = await this.queue.run(async () => {
      const cache = pca.getTokenCache();
      const found = await cache.getAllAccounts();
      return { accounts: found, serialized: cache.serialize() };
    });
    const tokens = accessTokensOf(serialized, authority.clientId);
    return accounts.map((account) => toSummary(account, tokens, this.mapping));
  }

  /** The account a cluster's requests would use and its cached token's expiry; no network. */
  async describeSession(clusterUrl: string): Promise<SessionSummary | undefined> {
    const endpoint = parseClusterUrl(clusterUrl);
    const accounts = await this.listAccounts();
    const account = chooseAccount(accounts, this.mapping, endpoint.url);
    if (!account) {
      return undefined;
    }
    const scope = account.scopes.find((s) => s.clusterUrl === endpoint.url);
    return { clusterUrl: endpoint.url, scope: endpoint.scope, account, expiresOn: scope?.expiresOn };
  }

  /** Which account serves a cluster (`undefined`: the default account, i.e. the last one signed in). */
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

  /** Removes one account (or all) with every token it holds; afterwards nothing is acquired silently for it. */
  async signOut(homeAccountId: string | 'all'): Promise<number> {
    const authority = resolveAuthority(this.options.settings());
    const { pca } = await this.client();
    const removed = await this.queue.run(async () => {
      const cache = pca.getTokenCache();
      const accounts = await cache.getAllAccounts();
      const targets = homeAccountId === 'all' ? accounts : accounts.filter((a) => a.homeAccountId === homeAccountId);
      for (const account of targets) {
        await cache.removeAccount(account);
      }
      if (homeAccountId === 'all') {
        await this.pluginFor(authority.clientId).clear();
      }
      return targets;
    });
    const removedIds = new Set(removed.map((a) => a.homeAccountId));
    for (const [cluster, id] of this.mapping.entries()) {
      if (homeAccountId === 'all' || removedIds.has(id)) {
        await this.mapping.set(cluster, undefined);
      }
    }
    this.log('info', removed.length ? `Signed out ${removed.map((a) => a.username).join(', ')}.` : 'Nobody to sign out.');
    this.fire();
    return removed.length;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listeners.clear();
    for (const plugin of this.plugins.values()) {
      plugin.dispose();
    }
    await this.ownNetworkClient?.close();
  }

  private async acquireSilently(pca: PublicClientApplication, account: AccountInfo, clusterUrl: string, scope: string, force: boolean): Promise<AccessTokenDetails> {
    const silent = (forceRefresh: boolean) => this.queue.run(() => pca.acquireTokenSilent({ account, scopes: [scope], forceRefresh }));
    let result: AuthenticationResult;
    try {
      result = await silent(force);
      if (!force && result.expiresOn && needsRefresh(result.expiresOn, this.refreshMarginSeconds)) {
        this.log('info', `The token for ${clusterUrl} expires soon; refreshing it.`);
        result = await silent(true);
      }
    } catch (error) {
      if (isSignInRequired(error)) {
        const reason = describeSilentFailure(error);
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
    };
  }

  /** A generic MSAL failure gets the network cause behind it, when there is one. */
  private withNetworkCause(failure: DeviceCodeSignInError): DeviceCodeSignInError {
    const cause = failure.reason === 'failed' ? this.ownNetworkClient?.takeRecentFailure() : undefined;
    return cause ? new DeviceCodeSignInError('failed', `${failure.message} — ${cause}`) : failure;
  }

  private async accountFor(pca: PublicClientApplication, clusterUrl: string): Promise<AccountInfo> {
    const accounts = await this.allAccounts(pca);
    if (accounts.length === 0) {
      throw new SignInRequiredError(clusterUrl, 'nobody is signed in');
    }
    const chosen = this.mapping.get(clusterUrl);
    if (chosen) {
      const account = accounts.find((a) => a.homeAccountId === chosen);
      if (!account) {
        throw new SignInRequiredError(clusterUrl, 'the account chosen for this cluster is no longer signed in');
      }
      return account;
    }
    const fallback = this.mapping.get(DEFAULT_ACCOUNT_KEY);
    return accounts.find((a) => a.homeAccountId === fallback) ?? accounts[0];
  }

  private allAccounts(pca: PublicClientApplication): Promise<AccountInfo[]> {
    return this.queue.run(() => pca.getTokenCache().getAllAccounts());
  }

  /** A sign-in the user cancelled may still complete (a poll was in flight): do not keep an account they gave up on. */
  private async undoLateSignIn(flow: Promise<AuthenticationResult | null>, accountsBefore: Set<string>): Promise<void> {
    try {
      const late = await flow;
      if (late?.account && !accountsBefore.has(late.account.homeAccountId)) {
        const { pca } = await this.client();
        await this.queue.run(() => pca.getTokenCache().removeAccount(late.account as AccountInfo));
        this.log('info', 'A sign-in completed after it was cancelled; its account was removed again.');
        this.fire();
      }
    } catch {
      // The expected outcome: MSAL stopped polling.
    }
  }

  private client(): Promise<ClientEntry> {
    if (this.disposed) {
      return Promise.reject(new Error('Kusto sign-in has been shut down.'));
    }
    const authority = resolveAuthority(this.options.settings());
    let entry = this.clients.get(authority.key);
    if (!entry) {
      entry = this.createClient(authority);
      this.clients.set(authority.key, entry);
      entry.catch(() => this.clients.delete(authority.key));
    }
    return entry;
  }

  private async createClient(authority: ResolvedAuthority): Promise<ClientEntry> {
    const msal = await import('@azure/msal-node');
    let networkClient = this.options.networkClient;
    if (!networkClient) {
      // One HTTP client (one connection pool) for every authority.
      const { UndiciNetworkClient } = await import('./undiciNetworkClient');
      const shared = (this.ownNetworkClient ??= new UndiciNetworkClient({ extraCaCertificates: this.options.extraCaCertificates }));
      networkClient = shared as InstanceType<typeof UndiciNetworkClient>;
    }
    const pca = new msal.PublicClientApplication({
      auth: {
        clientId: authority.clientId,
        authority: authority.authority,
        knownAuthorities: [...authority.knownAuthorities],
      },
      cache: { cachePlugin: this.pluginFor(authority.clientId) },
      system: {
        networkClient,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: msal.LogLevel.Warning,
          loggerCallback: (level, message, containsPii) => {
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
        },
      },
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
        onExternalChange: () => this.fire(),
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

function toSummary(account: AccountInfo, tokens: readonly SerializedAccessToken[], mapping: AccountMappingStore): AccountSummary {
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

/** The account a cluster uses: its explicit choice, else the default (last signed in), else the first one. */
function chooseAccount(accounts: readonly AccountSummary[], mapping: AccountMappingStore, clusterUrl: string): AccountSummary | undefined {
  const chosen = mapping.get(clusterUrl);
  if (chosen) {
    return accounts.find((a) => a.homeAccountId === chosen);
  }
  const fallback = mapping.get(DEFAULT_ACCOUNT_KEY);
  return accounts.find((a) => a.homeAccountId === fallback) ?? accounts[0];
}
