// The one place that knows more of MSAL's token cache than its public API offers. Everything else in the auth
// layer uses the public API (getAllAccounts, getAccountByHomeId, removeAccount, serialize/deserialize).
// test/unit/msalCacheAdapter.test.ts runs each function against the installed @azure/msal-node and fails when an
// MSAL upgrade changes what is relied on here.
//
// 1. replaceInMemoryCache: msal-node's deserialize() adds to what the in-memory cache holds instead of replacing
//    it, so an account removed in another window (or through another client over the same secret) would come back
//    on the next write. No public call empties the in-memory cache without going through the cache plugin
//    (overwriteCache() calls the plugin's beforeCacheAccess, from which this is called), so it uses the
//    TokenCache's private `storage.clear()`.
// 2. heldAccessTokens: which cluster scopes an account holds access tokens for, and until when (the accounts
//    panel). MSAL has no public call that lists access tokens; its public getKVStore() returns the cache entities.
// 3. mergeSerializedCaches: merging what two windows wrote reads MSAL's serialised cache format (sections
//    Account, AccessToken, …; `home_account_id` on each entity).

import type { ISerializableTokenCache, TokenCache } from '@azure/msal-node';

/** Makes the in-memory cache exactly `serialized` (MSAL's JSON): nothing the memory held before stays. */
export function replaceInMemoryCache(tokenCache: ISerializableTokenCache, serialized: string): void {
  const storage = (tokenCache as unknown as { storage?: { clear?: () => void } }).storage;
  if (typeof storage?.clear !== 'function') {
    throw new Error('This version of MSAL does not expose its token cache storage; the sign-in cache cannot be kept in step across windows.');
  }
  storage.clear();
  tokenCache.deserialize(serialized);
}

/** An access token as the accounts panel sees it: whose, for which scopes, until when. Never its secret. */
export interface HeldAccessToken {
  readonly homeAccountId: string;
  readonly environment: string;
  /** Space-separated scopes, as MSAL keeps them (e.g. "https://x.kusto.windows.net/.default"). */
  readonly target: string;
  readonly expiresOn: Date;
}

/** The access tokens the in-memory cache holds for one client id (read it right after a cache access). */
export function heldAccessTokens(tokenCache: TokenCache, clientId: string): HeldAccessToken[] {
  const held: HeldAccessToken[] = [];
  for (const entity of Object.values(tokenCache.getKVStore())) {
    const token = entity as unknown as Record<string, unknown>;
    if (token.credentialType !== 'AccessToken' || typeof token.homeAccountId !== 'string' || typeof token.expiresOn !== 'string') {
      continue;
    }
    if (typeof token.clientId === 'string' && token.clientId.toLowerCase() !== clientId.toLowerCase()) {
      continue;
    }
    held.push({
      homeAccountId: token.homeAccountId,
      environment: typeof token.environment === 'string' ? token.environment : '',
      target: typeof token.target === 'string' ? token.target : '',
      expiresOn: new Date(Number(token.expiresOn) * 1000),
    });
  }
  return held;
}

type Section = Record<string, Record<string, unknown>>;
type SerializedCache = Record<string, Section>;

const ACCOUNT_SECTION = 'Account';
const APP_METADATA_SECTION = 'AppMetadata';

function parse(text: string | undefined): SerializedCache {
  if (!text) {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as SerializedCache) : {};
  } catch {
    return {};
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Merges MSAL token caches written by two windows at once. This window read the cache (`base`), changed it
 * (`ours`), and meanwhile another window wrote `theirs`: entities this window changed, added or removed are
 * applied to theirs; everything else stays as they wrote it. Tokens of an account that is no longer in the merged
 * cache are dropped, so a refresh finishing in one window never brings back an account signed out in another.
 */
export function mergeSerializedCaches(base: string | undefined, ours: string, theirs: string | undefined): string {
  if (theirs === base) {
    return ours;
  }
  const b = parse(base);
  const o = parse(ours);
  const t = parse(theirs);
  const merged: SerializedCache = {};
  for (const section of new Set([...Object.keys(b), ...Object.keys(o), ...Object.keys(t)])) {
    const entries: Section = {};
    const baseSection = b[section] ?? {};
    const ourSection = o[section] ?? {};
    const theirSection = t[section] ?? {};
    for (const key of new Set([...Object.keys(baseSection), ...Object.keys(ourSection), ...Object.keys(theirSection)])) {
      const value = same(ourSection[key], baseSection[key]) ? theirSection[key] : ourSection[key];
      if (value !== undefined) {
        entries[key] = value;
      }
    }
    merged[section] = entries;
  }
  const accounts = new Set(Object.values(merged[ACCOUNT_SECTION] ?? {}).map((account) => account.home_account_id));
  for (const [section, entries] of Object.entries(merged)) {
    if (section === ACCOUNT_SECTION || section === APP_METADATA_SECTION) {
      continue;
    }
    for (const [key, entity] of Object.entries(entries)) {
      if (typeof entity.home_account_id === 'string' && !accounts.has(entity.home_account_id)) {
        delete entries[key];
      }
    }
  }
  return JSON.stringify(merged);
}
