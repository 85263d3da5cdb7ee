// What this window last saw in the token cache (people, and the expiry of each one's token per cluster), and the
// change events that take it to what the cache holds now: how another window's sign-in, new token or sign-out
// reaches this window's listeners. Read through MSAL's public API (flows/signInFlow.ts IdentitySnapshot).

import type { AuthChange, TokenRefresh } from './authEvents';
import type { IdentitySnapshot } from './flows/signInFlow';
import { clusterOfScope } from './tokenScope';

export interface CacheState {
  readonly users: ReadonlySet<string>;
  /** account id | cluster URL → expiry (ms). */
  readonly tokens: ReadonlyMap<string, number>;
}

export const EMPTY_CACHE_STATE: CacheState = { users: new Set(), tokens: new Map() };

export function cacheStateOf(snapshot: IdentitySnapshot): CacheState {
  const tokens = new Map<string, number>();
  for (const token of snapshot.tokens) {
    for (const clusterUrl of token.target.split(/\s+/).map(clusterOfScope)) {
      if (clusterUrl) {
        tokens.set(`${token.homeAccountId}|${clusterUrl}`, token.expiresOn.getTime());
      }
    }
  }
  return { users: new Set(snapshot.users.map((account) => account.homeAccountId)), tokens };
}

export function changesBetween(before: CacheState, now: CacheState): AuthChange {
  const refreshed: TokenRefresh[] = [];
  for (const [key, expiresOn] of now.tokens) {
    if (before.tokens.get(key) !== expiresOn) {
      const [accountId, clusterUrl] = key.split('|');
      refreshed.push({ accountId, clusterUrl });
    }
  }
  return {
    added: [...now.users].filter((id) => !before.users.has(id)),
    removed: [...before.users].filter((id) => !now.users.has(id)),
    refreshed,
  };
}
