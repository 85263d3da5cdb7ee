// Which token caches this extension ever wrote to the secret store (one per client id), so that "Sign out → All
// accounts" can forget all of them, including those of a client id no longer configured.

import type { SecretStore } from './secretStore';

export const CACHE_INDEX_KEY = 'kusto.msalCache.index';

async function readIndex(store: SecretStore): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse((await store.get(CACHE_INDEX_KEY)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

/** Notes that `key` holds a token cache. */
export async function recordCacheKey(store: SecretStore, key: string): Promise<void> {
  const keys = await readIndex(store);
  if (!keys.includes(key)) {
    await store.store(CACHE_INDEX_KEY, JSON.stringify([...keys, key]));
  }
}

/** Deletes every token cache recorded (and `alsoKeys`), then the index itself; returns the keys deleted. */
export async function forgetAllCaches(store: SecretStore, alsoKeys: readonly string[] = []): Promise<string[]> {
  const keys = [...new Set([...(await readIndex(store)), ...alsoKeys])];
  for (const key of keys) {
    await store.delete(key);
  }
  await store.delete(CACHE_INDEX_KEY);
  return keys;
}
