// The MSAL clients of the auth layer, made on first need and kept: one CachedPublicClient per (client id,
// authority), one token cache (a SecretStoreCachePlugin over one secret) and one call queue per client id, one
// HTTP client for all. MSAL and undici are loaded here, lazily, never at activation.

import type { INetworkModule } from '@azure/msal-node';
import { type AuthorityTarget, type ResolvedAuthority, resolveAuthority } from './authoritySettings';
import type { TokenBrokerOptions } from './authTypes';
import { CachedPublicClient } from './cachedPublicClient';
import { forgetAllCaches } from './cacheIndex';
import { redactSecrets } from './redact';
import { SecretStoreCachePlugin } from './secretStoreCachePlugin';
import { SerialQueue } from './serialQueue';

const SECRET_KEY_PREFIX = 'kusto.msalCache.';

/** The secret the token cache of a client id is kept under. */
export function secretKeyFor(clientId: string): string {
  return `${SECRET_KEY_PREFIX}${clientId.toLowerCase()}`;
}

export interface PoolEvents {
  /** The stored cache could not be read and was replaced by an empty one. */
  onCorruptCache(message: string): void;
  /** Another window wrote the stored cache. */
  onExternalChange(): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

interface CacheSlot {
  readonly plugin: SecretStoreCachePlugin;
  readonly queue: SerialQueue;
}

export class PublicClientPool {
  private readonly clients = new Map<string, Promise<CachedPublicClient>>();
  private readonly caches = new Map<string, CacheSlot>();
  private ownNetworkClient: { close(): Promise<void> } | undefined;
  private disposed = false;

  constructor(
    private readonly options: TokenBrokerOptions,
    private readonly events: PoolEvents,
  ) {}

  /** The client for an authority target (the settings' authority when empty); made once per (client id, authority). */
  client(target: AuthorityTarget = {}): Promise<CachedPublicClient> {
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

  /** True once a client was made (its cache plugin then follows other windows' writes itself). */
  get hasClients(): boolean {
    return this.clients.size > 0;
  }

  /** True when a client exists or a token cache is stored for the configured client id (else MSAL need not load). */
  async hasUserCache(): Promise<boolean> {
    return this.clients.size > 0 || !!(await this.options.secretStore.get(secretKeyFor(resolveAuthority(this.options.settings()).clientId)));
  }

  /** Deletes every token cache this extension wrote, whatever client id it was for. */
  async forgetAllCaches(): Promise<void> {
    for (const { plugin } of this.caches.values()) {
      await plugin.clear();
    }
    await forgetAllCaches(this.options.secretStore, [secretKeyFor(resolveAuthority(this.options.settings()).clientId)]);
  }

  /** MSAL's system options shared by every client (also the service principals' confidential clients). */
  async systemOptions(msal: typeof import('@azure/msal-node')) {
    return { networkClient: await this.networkClient(), loggerOptions: this.loggerOptions(msal) };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const { plugin } of this.caches.values()) {
      plugin.dispose();
    }
    await this.ownNetworkClient?.close();
  }

  private async createClient(authority: ResolvedAuthority): Promise<CachedPublicClient> {
    const msal = await import('@azure/msal-node');
    const cache = this.cacheFor(authority.clientId);
    const pca = new msal.PublicClientApplication({
      auth: {
        clientId: authority.clientId,
        authority: authority.authority,
        knownAuthorities: [...authority.knownAuthorities],
      },
      cache: { cachePlugin: cache.plugin },
      system: await this.systemOptions(msal),
    });
    this.events.log('info', `Sign-in client ready for ${authority.authority}${authority.knownAuthorities.length ? ' (custom authority host)' : ''}.`);
    return new CachedPublicClient(authority, pca, cache.queue);
  }

  private cacheFor(clientId: string): CacheSlot {
    let slot = this.caches.get(clientId);
    if (!slot) {
      const plugin = new SecretStoreCachePlugin(this.options.secretStore, secretKeyFor(clientId), {
        onCorruptCache: (message) => this.events.onCorruptCache(message),
        onExternalChange: () => this.events.onExternalChange(),
        log: (level, message) => this.events.log(level, message),
      });
      slot = { plugin, queue: new SerialQueue() };
      this.caches.set(clientId, slot);
    }
    return slot;
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
        this.events.log(level === msal.LogLevel.Error ? 'error' : 'warn', text);
      },
    };
  }
}
