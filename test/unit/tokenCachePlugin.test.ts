import * as assert from 'node:assert/strict';
import { PublicClientApplication } from '@azure/msal-node';
import { SecretStoreCachePlugin } from '../../src/core/auth/secretStoreCachePlugin';
import { CapturedLog, InMemorySecretStore, JWT_PATTERN, serializedCacheFixture, waitFor } from '../support/authHarness';

const CLIENT_ID = 'db662dc1-0cfe-4e1c-a843-19a68e65be58';
const ENVIRONMENT = 'login.example.test';
const KEY = 'kusto.msalCache.test';
const CLUSTER_A = 'https://a.kusto.windows.net/.default';

const alice = { oid: 'o-alice', tid: 't-work', upn: 'alice@work.example', scopes: [{ scope: CLUSTER_A, expiresInSeconds: 3600 }] };
const bob = { oid: 'o-bob', tid: 't-guest', upn: 'bob@guest.example', scopes: [{ scope: CLUSTER_A, expiresInSeconds: 1800 }] };

function newApp(plugin: SecretStoreCachePlugin): PublicClientApplication {
  // No network is used: only cache operations.
  return new PublicClientApplication({ auth: { clientId: CLIENT_ID }, cache: { cachePlugin: plugin } });
}

describe('SecretStoreCachePlugin (MSAL cache in a secret store)', () => {
  let store: InMemorySecretStore;
  let plugins: SecretStoreCachePlugin[];

  beforeEach(() => {
    store = new InMemorySecretStore();
    plugins = [];
  });
  afterEach(() => plugins.forEach((p) => p.dispose()));

  function plugin(events: ConstructorParameters<typeof SecretStoreCachePlugin>[2] = {}): SecretStoreCachePlugin {
    const created = new SecretStoreCachePlugin(store, KEY, events);
    plugins.push(created);
    return created;
  }

  it('loads the accounts stored in the secret and writes removals back', async () => {
    await store.store(KEY, serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice, bob]));
    const app = newApp(plugin());
    const accounts = await app.getTokenCache().getAllAccounts();
    assert.deepEqual(accounts.map((a) => a.homeAccountId).sort(), ['o-alice.t-work', 'o-bob.t-guest']);

    await app.getTokenCache().removeAccount(accounts.find((a) => a.homeAccountId === 'o-alice.t-work')!);
    const stored = store.peek(KEY) ?? '';
    assert.ok(!stored.includes('o-alice'), 'alice and her tokens are gone from the secret');
    assert.ok(stored.includes('placeholder-refresh-o-bob'), 'bob keeps his refresh token');
    // A fresh application over the same secret (a restart) sees the same state.
    const restarted = newApp(plugin());
    assert.deepEqual((await restarted.getTokenCache().getAllAccounts()).map((a) => a.homeAccountId), ['o-bob.t-guest']);
  });

  it('does not lose an update when two clients change the cache at the same time', async () => {
    await store.store(KEY, serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice, bob]));
    const shared = plugin();
    const first = newApp(shared);
    const second = newApp(shared);
    const [a] = (await first.getTokenCache().getAllAccounts()).filter((x) => x.homeAccountId.startsWith('o-alice'));
    const [b] = (await second.getTokenCache().getAllAccounts()).filter((x) => x.homeAccountId.startsWith('o-bob'));
    await Promise.all([first.getTokenCache().removeAccount(a), second.getTokenCache().removeAccount(b)]);
    const stored = JSON.parse(store.peek(KEY) ?? '{}') as { Account?: object; RefreshToken?: object };
    assert.deepEqual(Object.keys(stored.Account ?? {}), [], 'both removals survive');
    assert.deepEqual(Object.keys(stored.RefreshToken ?? {}), []);
  });

  it('reports a corrupt secret once, replaces it with an empty cache and keeps working', async () => {
    await store.store(KEY, '{"Account": {"broken"');
    const warnings: string[] = [];
    const log = new CapturedLog();
    const app = newApp(plugin({ onCorruptCache: (m) => warnings.push(m), log: (level, m) => log[level](m) }));

    assert.deepEqual(await app.getTokenCache().getAllAccounts(), []);
    assert.deepEqual(await app.getTokenCache().getAllAccounts(), []);
    assert.equal(warnings.length, 1, 'one warning, not one per access');
    assert.match(warnings[0], /could not be read.*replaced with an empty cache.*Sign in again/);
    assert.ok(!warnings[0].includes('broken'), 'the stored text is not echoed');
    const replaced = JSON.parse(store.peek(KEY) ?? 'null') as { Account: object };
    assert.deepEqual(replaced.Account, {}, 'the secret now holds an empty, valid cache');
    assert.ok(log.lines.some((l) => l.level === 'error' && /could not be read/.test(l.message)));
  });

  it('picks up a change written by another window and forgets accounts signed out there', async () => {
    const external: number[] = [];
    const app = newApp(plugin({ onExternalChange: () => external.push(Date.now()) }));
    assert.deepEqual(await app.getTokenCache().getAllAccounts(), []);

    await store.writeFromOtherWindow(KEY, serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice]));
    await waitFor(() => external.length === 1, 2000, 'external change event');
    assert.deepEqual((await app.getTokenCache().getAllAccounts()).map((a) => a.homeAccountId), ['o-alice.t-work']);

    await store.writeFromOtherWindow(KEY, undefined);
    await waitFor(() => external.length === 2, 2000, 'second external change event');
    assert.deepEqual(await app.getTokenCache().getAllAccounts(), [], 'signed out in the other window means signed out here');
  });

  it('does not report its own writes as external changes', async () => {
    await store.store(KEY, serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice, bob]));
    let external = 0;
    const app = newApp(plugin({ onExternalChange: () => external++ }));
    await new Promise((resolve) => setImmediate(resolve));
    external = 0;
    const [a] = await app.getTokenCache().getAllAccounts();
    await app.getTokenCache().removeAccount(a);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(external, 0);
  });

  it('clear() deletes the secret so no token text remains', async () => {
    await store.store(KEY, serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice]));
    const cachePlugin = plugin();
    await cachePlugin.clear();
    assert.equal(store.peek(KEY), undefined);
    assert.ok(!JWT_PATTERN.test(store.allText()));
    assert.deepEqual(await newApp(cachePlugin).getTokenCache().getAllAccounts(), []);
  });
});
