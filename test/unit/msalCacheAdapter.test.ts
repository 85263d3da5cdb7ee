// Guards what msalCacheAdapter.ts relies on beyond MSAL's public API, against the installed @azure/msal-node:
// if an MSAL upgrade changes it, these fail before users lose accounts or see wrong expiry times.
import * as assert from 'node:assert/strict';
import { PublicClientApplication } from '@azure/msal-node';
import { heldAccessTokens, mergeSerializedCaches, replaceInMemoryCache } from '../../src/core/auth/msalCacheAdapter';
import { serializedCacheFixture } from '../support/authHarness';

const CLIENT_ID = 'db662dc1-0cfe-4e1c-a843-19a68e65be58';
const OTHER_CLIENT_ID = '0b5b1c1e-0000-4000-8000-00000000c11d';
const ENVIRONMENT = 'login.example.test';
const SCOPE_A = 'https://a.kusto.windows.net/.default';
const SCOPE_B = 'https://b.kusto.windows.net/.default';
const alice = { oid: 'o-alice', tid: 't-work', upn: 'alice@work.example', scopes: [{ scope: SCOPE_A, expiresInSeconds: 3600 }, { scope: SCOPE_B, expiresInSeconds: 600 }] };
const bob = { oid: 'o-bob', tid: 't-guest', upn: 'bob@guest.example', scopes: [{ scope: SCOPE_A, expiresInSeconds: 1800 }] };

/** A client with no cache plugin and no network: only MSAL's own in-memory cache. */
function tokenCache() {
  return new PublicClientApplication({ auth: { clientId: CLIENT_ID } }).getTokenCache();
}

describe('MSAL cache adapter (what the installed @azure/msal-node must still do)', () => {
  it('replaces the in-memory cache: an account not in the new text is gone from memory', async () => {
    const cache = tokenCache();
    cache.deserialize(serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice, bob]));
    replaceInMemoryCache(cache, serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [bob]));
    assert.deepEqual((await cache.getAllAccounts()).map((a) => a.homeAccountId), ['o-bob.t-guest']);
    replaceInMemoryCache(cache, '{}');
    assert.deepEqual(await cache.getAllAccounts(), []);
  });

  it('lists the access tokens MSAL holds, per account, with their scopes and expiry (never their secret)', async () => {
    const cache = tokenCache();
    const before = Math.floor(Date.now() / 1000);
    cache.deserialize(serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice, bob]));
    await cache.getAllAccounts();
    const held = heldAccessTokens(cache, CLIENT_ID);
    const aliceTokens = held.filter((t) => t.homeAccountId === 'o-alice.t-work').sort((x, y) => x.target.localeCompare(y.target));
    assert.deepEqual(aliceTokens.map((t) => [t.environment, t.target]), [[ENVIRONMENT, SCOPE_A], [ENVIRONMENT, SCOPE_B]]);
    const expiresIn = Math.round(aliceTokens[0].expiresOn.getTime() / 1000) - before;
    assert.ok(expiresIn >= 3599 && expiresIn <= 3601, `expiry read in seconds (${expiresIn})`);
    assert.equal(held.filter((t) => t.homeAccountId === 'o-bob.t-guest').length, 1);
    assert.ok(!JSON.stringify(held).includes('placeholder-access'), 'no token text');
    assert.deepEqual(heldAccessTokens(cache, OTHER_CLIENT_ID), [], 'tokens of another client id are not listed');
  });

  it('merges what MSAL serialises: an account removed in one window stays removed with all its tokens', () => {
    const cache = tokenCache();
    cache.deserialize(serializedCacheFixture(CLIENT_ID, ENVIRONMENT, [alice, bob]));
    const base = cache.serialize();
    const parsed = JSON.parse(base) as Record<string, Record<string, { home_account_id?: string }>>;
    assert.ok(parsed.Account && parsed.AccessToken && parsed.RefreshToken, 'MSAL still writes the sections the merge reads');
    assert.ok(Object.values(parsed.AccessToken).every((t) => typeof t.home_account_id === 'string'), 'and home_account_id on each token');
    const theirs = JSON.stringify({ ...parsed, Account: Object.fromEntries(Object.entries(parsed.Account).filter(([, a]) => a.home_account_id !== 'o-bob.t-guest')) });
    const merged = mergeSerializedCaches(base, base.replace('"placeholder-access-o-alice"', '"placeholder-access-o-alice-2"'), theirs);
    assert.ok(!merged.includes('o-bob'), 'bob and his tokens are gone');
    assert.ok(merged.includes('placeholder-access-o-alice-2'), 'our change to alice is kept');
  });
});
