import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import type { SecretStore, SecretStoreSubscription } from './secretStore';
import { recordCacheKey } from './cacheIndex';
import { mergeSerializedCaches, replaceInMemoryCache } from './msalCacheAdapter';
import { describeError } from './redact';
import { StaleRecoveringLock } from './staleRecoveringLock';

/** What the plugin reports; messages never contain cache text. */
export interface CachePluginEvents {
  /** The stored cache could not be read; it was replaced by an empty one. Called once per corrupt value. */
  onCorruptCache?(message: string): void;
  /** The secret changed outside this plugin (another window signed in or out). */
  onExternalChange?(): void;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  /** How long one access may hold the lock before the next one goes ahead (default 30 s). */
  staleLockMs?: number;
}

/** One MSAL cache access, from beforeCacheAccess to afterCacheAccess (MSAL passes the same context to both). */
interface CacheAccess {
  readonly release: () => void;
  /** What this access read: the base its changes are merged from. */
  base: string | undefined;
  readFailed: boolean;
}

const EMPTY_CACHE = '{}';
// A lock held longer than this means MSAL skipped afterCacheAccess (an exception between the two calls); waiting
// forever would freeze every later sign-in, so the next caller goes ahead.
const STALE_LOCK_MS = 30_000;

/**
 * MSAL token cache persisted as one secret. Each MSAL cache access is a read-modify-write of the whole secret,
 * so beforeCacheAccess takes a lock that afterCacheAccess releases: two PublicClientApplications (or a device
 * code sign-in finishing while a silent refresh runs) never interleave and lose each other's tokens. Another
 * window has no share in that lock: what it wrote meanwhile is merged with this access's changes on write.
 */
export class SecretStoreCachePlugin implements ICachePlugin {
  private lastKnownValue: string | undefined;
  private ownWrites = new Set<string>();
  private replaceOnNextWrite = false;
  private reportedCorruptValue: string | undefined;
  private readonly lock: StaleRecoveringLock;
  private readonly accesses = new WeakMap<object, CacheAccess>();
  private recorded = false;
  private readonly subscription: SecretStoreSubscription;

  constructor(
    private readonly store: SecretStore,
    readonly key: string,
    private readonly events: CachePluginEvents = {},
  ) {
    this.lock = new StaleRecoveringLock(events.staleLockMs ?? STALE_LOCK_MS, () =>
      this.events.log?.('warn', 'A previous token cache access did not finish; continuing without waiting for it.'),
    );
    this.subscription = store.onDidChange((change) => {
      if (change.key !== this.key) {
        return;
      }
      void this.noticeChange();
    });
  }

  async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
    const access: CacheAccess = { release: await this.lock.acquire(), base: undefined, readFailed: false };
    this.accesses.set(context, access);
    try {
      const stored = await this.store.get(this.key);
      access.base = stored;
      this.lastKnownValue = stored;
      this.loadInto(context, stored);
    } catch (error) {
      // MSAL still calls afterCacheAccess: it must not write what it holds (not what is stored) back.
      access.readFailed = true;
      access.release();
      throw error;
    }
  }

  async afterCacheAccess(context: TokenCacheContext): Promise<void> {
    const access = this.accesses.get(context);
    this.accesses.delete(context);
    if (!access || access.readFailed) {
      access?.release();
      this.events.log?.('warn', 'The token cache could not be read; nothing was written back to it.');
      return;
    }
    try {
      if (context.cacheHasChanged || this.replaceOnNextWrite) {
        const ours = context.tokenCache.serialize();
        // Another window may have written since this access read: keep its changes as well as ours.
        const current = this.replaceOnNextWrite ? access.base : await this.store.get(this.key);
        const next = this.replaceOnNextWrite ? ours : mergeSerializedCaches(access.base, ours, current);
        if (next !== current || this.replaceOnNextWrite) {
          this.ownWrites.add(next);
          await this.store.store(this.key, next);
          if (!this.recorded) {
            await recordCacheKey(this.store, this.key);
            this.recorded = true;
          }
        }
        this.lastKnownValue = next;
        this.replaceOnNextWrite = false;
      }
    } finally {
      access.release();
    }
  }

  /** Replaces the stored cache with an empty one (sign out of everyone). */
  async clear(): Promise<void> {
    const release = await this.lock.acquire();
    try {
      await this.store.delete(this.key);
      this.lastKnownValue = undefined;
      this.recorded = false;
    } finally {
      release();
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private loadInto(context: TokenCacheContext, stored: string | undefined): void {
    // Every access starts from exactly what is stored (msal-node's deserialize() alone would add to memory).
    if (!stored) {
      // Another window may have signed everybody out: forget what this window still holds in memory.
      replaceInMemoryCache(context.tokenCache, EMPTY_CACHE);
      return;
    }
    try {
      const parsed: unknown = JSON.parse(stored);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error('the stored value is not a JSON object');
      }
      replaceInMemoryCache(context.tokenCache, stored);
    } catch (error) {
      replaceInMemoryCache(context.tokenCache, EMPTY_CACHE);
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
}
