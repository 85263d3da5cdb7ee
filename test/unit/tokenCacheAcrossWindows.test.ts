import * as assert from 'node:assert/strict';
import type { TokenCacheContext } from '@azure/msal-node';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../src/core/auth/authoritySettings';
import { SecretStoreCachePlugin } from '../../src/core/auth/secretStoreCachePlugin';
import { secretKeyFor } from '../../src/core/auth/publicClientPool';
import { TokenBroker } from '../../src/core/auth/tokenBroker';
import { InMemorySecretStore, serializedCacheFixture } from '../support/authHarness';

const CLIENT_ID = DEFAULT_SIGN_IN_SETTINGS.clientId;
const OTHER_CLIENT_ID = '0b5b1c1e-0000-4000-8000-00000000c11d';
const ENVIRONMENT = 'login.example.test';
const KEY = secretKeyFor(CLIENT_ID);
const SCOPE = 'https://a.kusto.windows.net/.default';
const user = (name: string) => ({ oid: `o-${name}`, tid: 't-work', upn: `${name}@work.example`, scopes: [{ scope: SCOPE, expiresInSeconds: 3600 }] });
const FULL = JSON.parse(serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [user('alice'), user('bob'), user('carol')])) as Record<string, Record<string, { home_account_id?: string }>>;

/** The fixture cache with only these people in it (entities identical to FULL's). */
function cacheOf(...names: string[]): string {
  const homes = new Set(names.map((n) => `o-${n}.t-work`));
  return JSON.stringify(
    Object.fromEntries(Object.entries(FULL).map(([section, entries]) => [section, Object.fromEntries(Object.entries(entries).filter(([, e]) => !e.home_account_id || homes.has(e.home_account_id)))])),
  );
}

function accountsIn(text: string | undefined): string[] {
  return Object.values((JSON.parse(text ?? '{}') as { Account?: Record<string, { username: string }> }).Account ?? {})
    .map((a) => a.username)
    .sort();
}

/** What MSAL hands the plugin: a cache that (de)serialises, and whether the access changed it. */
type FakeContext = Omit<TokenCacheContext, 'cacheHasChanged'> & { text: string; cacheHasChanged: boolean };

function fakeContext(): FakeContext {
  const context = {
    text: '{}',
    cacheHasChanged: false,
    tokenCache: {
      storage: { clear: () => undefined },
      deserialize: (value: string) => void (context.text = value),
      serialize: () => context.text,
    },
  };
  return context as unknown as FakeContext;
}

const ctx = (context: FakeContext): TokenCacheContext => context as unknown as TokenCacheContext;

describe('token cache shared by several windows (trust boundary 5)', () => {
  let store: InMemorySecretStore;
  const plugins: SecretStoreCachePlugin[] = [];
  const newPlugin = (key = KEY, staleLockMs?: number): SecretStoreCachePlugin => {
    const plugin = new SecretStoreCachePlugin(store, key, { staleLockMs });
    plugins.push(plugin);
    return plugin;
  };
  beforeEach(() => {
    store = new InMemorySecretStore();
  });
  afterEach(() => plugins.splice(0).forEach((p) => p.dispose()));

  it('keeps both new accounts when two windows write at once (merge on write)', async () => {
    await store.store(KEY, cacheOf('alice'));
    const windowA = newPlugin();
    const windowB = newPlugin();
    const a = fakeContext();
    const b = fakeContext();
    await windowA.beforeCacheAccess(ctx(a)); // A starts a sign-in of bob…
    await windowB.beforeCacheAccess(ctx(b)); // …while B signs in carol and finishes first
    b.text = cacheOf('alice', 'carol');
    b.cacheHasChanged = true;
    await windowB.afterCacheAccess(ctx(b));
    a.text = cacheOf('alice', 'bob');
    a.cacheHasChanged = true;
    await windowA.afterCacheAccess(ctx(a));
    assert.deepEqual(accountsIn(store.peek(KEY)), ['alice@work.example', 'bob@work.example', 'carol@work.example']);
  });

  it('does not bring back an account another window signed out while a refresh ran here', async () => {
    await store.store(KEY, cacheOf('alice', 'bob'));
    const here = newPlugin();
    const context = fakeContext();
    await here.beforeCacheAccess(ctx(context));
    await store.writeFromOtherWindow(KEY, cacheOf('alice')); // bob signed out elsewhere
    context.text = cacheOf('alice', 'bob'); // our refresh rewrote bob's tokens
    context.cacheHasChanged = true;
    await here.afterCacheAccess(ctx(context));
    assert.deepEqual(accountsIn(store.peek(KEY)), ['alice@work.example']);
    assert.ok(!store.peek(KEY)?.includes('o-bob'), 'none of bob\'s tokens either');
  });

  it('after one stuck access, later accesses do not each wait for the stale lock again', async () => {
    const plugin = newPlugin(KEY, 300);
    await plugin.beforeCacheAccess(ctx(fakeContext())); // never finished (e.g. a keychain prompt left open)
    const started = Date.now();
    const second = fakeContext();
    await plugin.beforeCacheAccess(ctx(second));
    assert.ok(Date.now() - started >= 250, 'the second access waited for the stale lock');
    await plugin.afterCacheAccess(ctx(second));
    const thirdStarted = Date.now();
    const third = fakeContext();
    await plugin.beforeCacheAccess(ctx(third));
    await plugin.afterCacheAccess(ctx(third));
    assert.ok(Date.now() - thirdStarted < 100, `the third access went ahead at once (${Date.now() - thirdStarted} ms)`);
  });

  it('writes nothing back after a failed read', async () => {
    await store.store(KEY, cacheOf('alice', 'bob'));
    const writesBefore = store.writes;
    const failing = Object.assign(Object.create(store) as InMemorySecretStore, {
      get: async () => {
        throw new Error('keychain locked');
      },
    });
    const plugin = new SecretStoreCachePlugin(failing, KEY);
    plugins.push(plugin);
    const context = fakeContext(); // holds an empty (stale) cache
    await assert.rejects(plugin.beforeCacheAccess(ctx(context)), /keychain locked/);
    context.cacheHasChanged = true;
    await plugin.afterCacheAccess(ctx(context)); // MSAL calls it from a finally block
    assert.equal(store.writes, writesBefore, 'the stale in-memory cache did not overwrite the stored one');
    assert.deepEqual(accountsIn(store.peek(KEY)), ['alice@work.example', 'bob@work.example']);
  });

  it('"Sign out → All accounts" forgets the caches of every client id the extension wrote', async () => {
    for (const clientId of [CLIENT_ID, OTHER_CLIENT_ID]) {
      const plugin = newPlugin(secretKeyFor(clientId));
      const context = fakeContext();
      await plugin.beforeCacheAccess(ctx(context));
      context.text = cacheOf('alice');
      context.cacheHasChanged = true;
      await plugin.afterCacheAccess(ctx(context));
    }
    assert.ok(store.peek(secretKeyFor(OTHER_CLIENT_ID)));
    const broker = new TokenBroker({ secretStore: store, settings: () => DEFAULT_SIGN_IN_SETTINGS });
    try {
      await broker.signOut('all');
    } finally {
      await broker.dispose();
    }
    assert.equal(store.peek(secretKeyFor(CLIENT_ID)), undefined);
    assert.equal(store.peek(secretKeyFor(OTHER_CLIENT_ID)), undefined, 'the cache of the client id used before is gone too');
    assert.ok(!store.allText().includes('placeholder-refresh'), 'no refresh token remains anywhere');
  });
});
