import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { SecretStore, SecretStoreSubscription } from './secretStore';
import { describeError } from './redact';

/** What the plugin reports; messages never contain cache text. */
export interface CachePluginEvents {
  /** The stored cache could not be read; it was replaced by an empty one. Called once per corrupt value. */
  onCorruptCache?(message: string): void;
  /** The secret changed outside this plugin (another window signed in or out). */
  onExternalChange?(): void;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
}

const EMPTY_CACHE = '{}';
// A lock held longer than this means MSAL skipped afterCacheAccess (an exception between the two calls); waiting
// forever would freeze every later sign-in, so the next caller goes ahead.
const STALE_LOCK_MS = 30_000;

/**
 * MSAL token cache persisted as one secret. Each MSAL cache access is a read-modify-write of the whole secret,
 * so beforeCacheAccess takes a lock that afterCacheAccess releases: two PublicClientApplications (or a device
 * code sign-in finishing while a silent refresh runs) never interleave and lose each other's tokens.
 */
export class SecretStoreCachePlugin implements ICachePlugin {
  private lastKnownValue: string | undefined;
  private ownWrites = new Set<string>();
  private replaceOnNextWrite = false;
  private reportedCorruptValue: string | undefined;
  private lockTail: Promise<void> = Promise.resolve();
  private releaseLock: (() => void) | undefined;
  private readonly subscription: SecretStoreSubscription;

  constructor(
    private readonly store: SecretStore,
    readonly key: string,
    private readonly events: CachePluginEvents = {},
  ) {
    this.subscription = store.onDidChange((change) => {
      if (change.key !== this.key) {
        return;
      }
      void this.noticeChange();
    });
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    await this.acquireLock();
    try {
      const stored = await this.store.get(this.key);
      this.lastKnownValue = stored;
      this.loadInto(context, stored);
    } catch (error) {
      // MSAL does not call afterCacheAccess for every failed beforeCacheAccess: release here.
      this.release();
      throw error;
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    try {
      if (context.cacheHasChanged || this.replaceOnNextWrite) {
        const serialized = context.tokenCache.serialize();
        if (serialized !== this.lastKnownValue || this.replaceOnNextWrite) {
          this.ownWrites.add(serialized);
          await this.store.store(this.key, serialized);
          this.lastKnownValue = serialized;
          this.replaceOnNextWrite = false;
        }
      }
    } finally {
      this.release();
    }
  }

  /** Replaces the stored cache with an empty one (sign out of everyone). */
  async clear(): Promise<void> {
    await this.acquireLock();
    try {
      await this.store.delete(this.key);
      this.lastKnownValue = undefined;
    } finally {
      this.release();
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private loadInto(context: TokenCacheContext, stored: string | undefined): void {
    // msal-node's deserialize() adds to what the in-memory cache holds instead of replacing it, so an account
    // removed in another window (or by another client over this secret) would come back on the next write.
    // Start every access from exactly what is stored. (Relies on TokenCache.storage.clear(); covered by tests.)
    clearInMemory(context.tokenCache);
    if (!stored) {
      // Another window may have signed everybody out: forget what this window still holds in memory.
      context.tokenCache.deserialize(EMPTY_CACHE);
      return;
    }
    try {
      const parsed: unknown = JSON.parse(stored);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('the stored value is not a JSON object');
      }
      context.tokenCache.deserialize(stored);
    } catch (error) {
      context.tokenCache.deserialize(EMPTY_CACHE);
      // Written back empty on the next change, so the corrupt value does not come back on every access.
      this.replaceOnNextWrite = true;
      if (this.reportedCorruptValue !== stored) {
        this.reportedCorruptValue = stored;
        const reason = error instanceof SyntaxError ? 'it is not valid JSON' : describeError(error);
        const message = `The stored Kusto sign-in cache could not be read (${reason}); it was replaced with an empty cache. Sign in again.`;
        this.events.log?.('error', message);
        this.events.onCorruptCache?.(message);
      }
    }
  }

  private async noticeChange(): Promise<void> {
    let current: string | undefined;
    try {
      current = await this.store.get(this.key);
    } catch (error) {
      this.events.log?.('warn', `Could not read the sign-in cache after a change: ${describeError(error)}`);
      return;
    }
    if (current !== undefined && this.ownWrites.has(current)) {
      this.ownWrites.delete(current);
      return;
    }
    this.ownWrites.clear();
    if (current === this.lastKnownValue) {
      return;
    }
    this.events.log?.('info', 'The sign-in cache was changed outside this window; reloading accounts.');
    this.events.onExternalChange?.();
  }

  private async acquireLock(): Promise<void> {
    const previous = this.lockTail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.lockTail = previous.then(() => mine);
    let timer: NodeJS.Timeout | undefined;
    const stale = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.events.log?.('warn', 'A previous token cache access did not finish; continuing without waiting for it.');
        resolve();
      }, STALE_LOCK_MS);
      timer.unref?.();
    });
    await Promise.race([previous, stale]);
    clearTimeout(timer);
    this.releaseLock = release;
  }

  private release(): void {
    const release = this.releaseLock;
    this.releaseLock = undefined;
    release?.();
  }
}

function clearInMemory(tokenCache: unknown): void {
  const storage = (tokenCache as { storage?: { clear?: () => void } }).storage;
  if (typeof storage?.clear !== 'function') {
    throw new Error('This version of MSAL does not expose its token cache storage; the sign-in cache cannot be kept in step across windows.');
  }
  storage.clear();
}
