import * as assert from 'node:assert/strict';
import { SignInRequiredError } from '../../src/core/auth/accessTokenSource';
import { DeviceCodeSignInError } from '../../src/core/auth/authErrors';
import type { DeviceCodePrompt } from '../../src/core/auth/authTypes';
import { secretKeyFor } from '../../src/core/auth/publicClientPool';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../src/core/auth/authoritySettings';
import { decodeJwtPayload, JWT_PATTERN, waitFor } from '../support/authHarness';
import { startAuthFixture, type AuthFixture } from '../support/authHarnessServer';

const CLUSTER_A = 'https://clustera.westeurope.kusto.windows.net';
const CLUSTER_B = 'https://clusterb.westeurope.kusto.windows.net';
const CLUSTER_C = 'https://clusterc.kusto.windows.net';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@fabrikam.com';
const SECRET_KEY = secretKeyFor(DEFAULT_SIGN_IN_SETTINGS.clientId);

async function expectDeviceCodeFailure(promise: Promise<unknown>, reason: DeviceCodeSignInError['reason']): Promise<DeviceCodeSignInError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeviceCodeSignInError, `expected DeviceCodeSignInError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return error;
  }
  assert.fail(`sign-in should have failed (${reason})`);
}

describe('TokenBroker with real MSAL against the local sign-in server', function () {
  this.timeout(60_000);
  let fixture: AuthFixture;

  afterEach(async () => {
    // Whatever a test did, no log line on either side carries token text.
    const logged = [fixture.brokerLog.text(), ...fixture.serverLog, ...fixture.corruptWarnings].join('\n');
    assert.ok(!JWT_PATTERN.test(logged), 'no JWT-looking text in any log line');
    await fixture.close();
  });

  describe('device code sign-in', () => {
    beforeEach(async () => {
      fixture = await startAuthFixture({ deviceCodeLifetimeSeconds: 3 });
    });

    it('signs in when the code is approved and holds a token for exactly that cluster', async () => {
      const broker = fixture.newBroker();
      const prompts: DeviceCodePrompt[] = [];
      const account = await broker.signInWithDeviceCode(CLUSTER_A, (prompt) => {
        prompts.push(prompt);
        setTimeout(() => fixture.server.approveDeviceCode(prompt.userCode, ALICE), 50);
      });
      assert.equal(prompts.length, 1);
      assert.ok(prompts[0].userCode.length >= 6);
      assert.equal(new URL(prompts[0].verificationUri).origin, fixture.server.origin);
      assert.ok(prompts[0].expiresOn.getTime() > Date.now());
      assert.equal(account.username, ALICE);
      assert.deepEqual(account.scopes.map((s) => s.clusterUrl), [CLUSTER_A]);

      const token = await broker.getTokenDetails(CLUSTER_A);
      assert.equal(token.fromCache, true, 'the sign-in token is reused');
      assert.equal(decodeJwtPayload(token.accessToken).aud, CLUSTER_A);
      assert.equal(await broker.hasSession(CLUSTER_A), true);
    });

    it('ends with a clear message and stores nothing when the code is declined', async () => {
      const broker = fixture.newBroker();
      const failure = await expectDeviceCodeFailure(
        broker.signInWithDeviceCode(CLUSTER_A, (prompt) => setTimeout(() => fixture.server.denyDeviceCode(prompt.userCode), 50)),
        'declined',
      );
      assert.match(failure.message, /declined/);
      assert.deepEqual(await broker.listAccounts(), []);
      await assert.rejects(broker.getToken(CLUSTER_A), SignInRequiredError);
    });

    it('ends with a clear message when the code expires unused', async () => {
      const broker = fixture.newBroker();
      const failure = await expectDeviceCodeFailure(broker.signInWithDeviceCode(CLUSTER_A, () => undefined), 'expired');
      assert.match(failure.message, /expired.*Kusto: Sign In/);
      assert.deepEqual(await broker.listAccounts(), []);
    });

    it('stops promptly on cancel and keeps no account even if the code is approved afterwards', async () => {
      const broker = fixture.newBroker();
      const controller = new AbortController();
      let userCode = '';
      let abortedAt = 0;
      const signIn = broker.signInWithDeviceCode(
        CLUSTER_A,
        (prompt) => {
          userCode = prompt.userCode;
          setTimeout(() => {
            abortedAt = Date.now();
            controller.abort();
          }, 100);
        },
        controller.signal,
      );
      await expectDeviceCodeFailure(signIn, 'cancelled');
      assert.ok(Date.now() - abortedAt < 500, 'cancel does not wait for the next poll');
      try {
        fixture.server.approveDeviceCode(userCode, ALICE);
      } catch {
        // The server may already consider the code abandoned; either way nothing may be stored.
      }
      await new Promise((resolve) => setTimeout(resolve, 1500)); // longer than one poll interval
      assert.deepEqual(await broker.listAccounts(), []);
      assert.equal(fixture.tokenCalls('device_code'), 0, 'no token was issued after the cancel');
    });
  });

  describe('tokens per resource scope', () => {
    beforeEach(async () => {
      fixture = await startAuthFixture();
    });

    it('gets a second cluster its own token silently from the same account', async () => {
      const broker = fixture.newBroker();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      const tokenA = await broker.getToken(CLUSTER_A);
      const tokenB = await broker.getToken(CLUSTER_B);
      assert.equal(fixture.tokenCalls('refresh_token'), 1, 'cluster B came from the refresh token, no new sign-in');
      assert.equal(decodeJwtPayload(tokenA).aud, CLUSTER_A);
      assert.equal(decodeJwtPayload(tokenB).aud, CLUSTER_B);
      assert.notEqual(tokenA, tokenB, 'the token for A is never handed out for B');
      assert.equal(await broker.getToken(`${CLUSTER_A}/Samples?query=x`), tokenA, 'any spelling of A gets A\'s token');
      const [account] = await broker.listAccounts();
      assert.deepEqual(account.scopes.map((s) => s.clusterUrl).sort(), [CLUSTER_A, CLUSTER_B]);
    });

    it('hands a token out until a third of its lifetime is left, then renews it once', async () => {
      const broker = fixture.newBroker();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      const first = await broker.getTokenDetails(CLUSTER_A);
      assert.equal((await broker.getTokenDetails(CLUSTER_A)).accessToken, first.accessToken, 'cache first while far from expiry');
      assert.equal(fixture.tokenCalls('refresh_token'), 0);

      fixture.server.setAccessTokenLifetime(3); // renewed when 1 s (a third) is left
      try {
        const forced = await broker.getTokenDetails(CLUSTER_A, { forceRefresh: true });
        assert.equal(fixture.tokenCalls('refresh_token'), 1);
        assert.notEqual(forced.accessToken, first.accessToken, 'a 401 retry gets a new token');
        assert.equal(await broker.getToken(CLUSTER_A), forced.accessToken, 'a fresh 3-second token is used, not renewed');
        assert.equal(fixture.tokenCalls('refresh_token'), 1);
        // MSAL keeps expiry in whole seconds (rounded): wait so that under a second is left whichever way it rounded.
        await new Promise((resolve) => setTimeout(resolve, 2_700));
        const renewed = await broker.getTokenDetails(CLUSTER_A);
        assert.notEqual(renewed.accessToken, forced.accessToken);
        assert.equal(fixture.tokenCalls('refresh_token'), 2, 'renewed exactly once: the token MSAL just renewed is not renewed again');
        assert.equal(decodeJwtPayload(renewed.accessToken).aud, CLUSTER_A);
      } finally {
        fixture.server.setAccessTokenLifetime(3600);
      }
    });

    it('does not refresh on every request when the server issues tokens shorter than the refresh margin', async () => {
      const broker = fixture.newBroker();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      fixture.server.setAccessTokenLifetime(240); // every token is born inside the 5-minute margin
      try {
        const forced = await broker.getTokenDetails(CLUSTER_A, { forceRefresh: true });
        assert.equal(fixture.tokenCalls('refresh_token'), 1);
        let changes = 0;
        const subscription = broker.onDidChange(() => changes++);
        // What the explorer and the status bar do on each change: ask again. Ten requests in a row.
        for (let i = 0; i < 10; i++) {
          assert.equal(await broker.getToken(CLUSTER_A), forced.accessToken, 'the token just obtained is still valid for minutes');
        }
        subscription.dispose();
        assert.equal(fixture.tokenCalls('refresh_token'), 1, 'no refresh storm');
        assert.equal(changes, 0, 'no change events, so no listener loop');
        // A forced refresh (after a 401) still goes to the server.
        await broker.getTokenDetails(CLUSTER_A, { forceRefresh: true });
        assert.equal(fixture.tokenCalls('refresh_token'), 2);
      } finally {
        fixture.server.setAccessTokenLifetime(3600);
      }
    });

    it('shares one refresh among ten concurrent requests for the same scope', async () => {
      const broker = fixture.newBroker();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      const tokens = await Promise.all(Array.from({ length: 10 }, () => broker.getToken(CLUSTER_C)));
      assert.equal(new Set(tokens).size, 1);
      assert.equal(fixture.tokenCalls('refresh_token'), 1, 'one refresh for ten callers');
      const forced = await Promise.all(Array.from({ length: 10 }, () => broker.getToken(CLUSTER_C, { forceRefresh: true })));
      assert.equal(new Set(forced).size, 1);
      assert.equal(fixture.tokenCalls('refresh_token'), 2, 'ten 401 retries at once cause one refresh');
      assert.equal(decodeJwtPayload(forced[0]).aud, CLUSTER_C);
    });

    it('keeps the session across a restart (new broker over the same secret storage)', async () => {
      const first = fixture.newBroker();
      await fixture.signIn(first, CLUSTER_A, ALICE);
      const token = await first.getToken(CLUSTER_A);
      await first.dispose();

      const restarted = fixture.newBroker();
      const again = await restarted.getTokenDetails(CLUSTER_A);
      assert.equal(again.fromCache, true);
      assert.equal(again.accessToken, token);
      assert.equal(decodeJwtPayload((await restarted.getTokenDetails(CLUSTER_B)).accessToken).aud, CLUSTER_B);
      assert.equal(fixture.tokenCalls('device_code'), 1, 'no second sign-in');
    });

    it('asks to sign in again, with the reason, when the refresh token was revoked', async () => {
      const broker = fixture.newBroker();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      fixture.server.revokeRefreshTokens(ALICE);
      await assert.rejects(broker.getToken(CLUSTER_B), (error: Error) => {
        assert.ok(error instanceof SignInRequiredError);
        assert.equal(error.clusterUrl, CLUSTER_B);
        assert.match(error.reason, /invalid_grant/);
        return true;
      });
      assert.equal(await broker.hasSession(CLUSTER_B), false);
    });

    it('signs out one account, leaving no token in the secret and nothing to acquire silently', async () => {
      const broker = fixture.newBroker();
      const alice = await fixture.signIn(broker, CLUSTER_A, ALICE);
      await broker.getToken(CLUSTER_B);
      assert.ok(JWT_PATTERN.test(fixture.store.peek(SECRET_KEY) ?? ''), 'tokens are kept in secret storage while signed in');

      assert.equal(await broker.signOut(alice.homeAccountId), 1);
      const stored = fixture.store.peek(SECRET_KEY) ?? '';
      assert.ok(!JWT_PATTERN.test(stored), 'no access or id token left');
      assert.ok(!/"RefreshToken":\{"[^}]/.test(stored), 'no refresh token left');
      await assert.rejects(broker.getToken(CLUSTER_A), SignInRequiredError);
      await assert.rejects(broker.getToken(CLUSTER_B), SignInRequiredError);
      assert.deepEqual(await broker.listAccounts(), []);
      assert.deepEqual(fixture.mapping.entries(), [], 'no account choice points at a signed-out account');
    });

    it('lets the user choose which account serves which cluster (work + guest tenant)', async () => {
      const broker = fixture.newBroker();
      const alice = await fixture.signIn(broker, CLUSTER_A, ALICE);
      const bob = await fixture.signIn(broker, CLUSTER_B, BOB);
      assert.notEqual(alice.tenantId, bob.tenantId);

      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_A)).tid, alice.tenantId);
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_B)).tid, bob.tenantId, 'B follows the account signed in for it');
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_C)).tid, alice.tenantId, 'other clusters use the first account');

      await broker.setAccountForCluster(CLUSTER_C, bob.homeAccountId);
      const tokenC = decodeJwtPayload(await broker.getToken(CLUSTER_C));
      assert.equal(tokenC.tid, bob.tenantId);
      assert.equal(tokenC.aud, CLUSTER_C);
      assert.equal((await broker.describeSession(CLUSTER_C))?.account.username, BOB);

      await broker.signOut('all');
      assert.equal(fixture.store.peek(SECRET_KEY), undefined, 'sign out of all deletes the secret');
      await assert.rejects(broker.getToken(CLUSTER_A), /nobody is signed in/);
    });

    it('follows another window: its sign-out here means signed out here too', async () => {
      const here = fixture.newBroker();
      const otherWindow = fixture.newBroker();
      await fixture.signIn(otherWindow, CLUSTER_A, ALICE);
      assert.equal(decodeJwtPayload(await here.getToken(CLUSTER_A)).aud, CLUSTER_A, 'a sign-in in another window is seen here');

      let changes = 0;
      here.onDidChange(() => changes++);
      await otherWindow.signOut('all');
      await waitFor(() => changes > 0, 3000, 'change event from the other window');
      await assert.rejects(here.getToken(CLUSTER_A), SignInRequiredError);
    });

    it('reports a corrupt secret once and starts over with an empty cache', async () => {
      await fixture.store.writeFromOtherWindow(SECRET_KEY, 'not json {');
      const broker = fixture.newBroker();
      assert.deepEqual(await broker.listAccounts(), []);
      await assert.rejects(broker.getToken(CLUSTER_A), SignInRequiredError);
      assert.equal(fixture.corruptWarnings.length, 1);
      assert.ok(fixture.brokerLog.lines.some((l) => l.level === 'error' && /could not be read/.test(l.message)));
      // Signing in works on the replaced cache.
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_A)).aud, CLUSTER_A);
      assert.doesNotThrow(() => JSON.parse(fixture.store.peek(SECRET_KEY) ?? ''));
    });

    it('explains an untrusted sign-in server certificate instead of a bare MSAL error code', async () => {
      const untrusting = fixture.newBroker({ extraCaCertificates: [] });
      const failure = await expectDeviceCodeFailure(untrusting.signInWithDeviceCode(CLUSTER_A, () => undefined), 'failed');
      assert.match(failure.message, /Could not reach the sign-in server .*certificate/);
      assert.match(failure.message, /NODE_EXTRA_CA_CERTS/);
    });

    it('rejects a bad cluster URL or an http authority with an actionable message', async () => {
      const broker = fixture.newBroker();
      await assert.rejects(broker.getToken('http://cluster.example.com'), /plain http:\/\/ is only allowed/);
      const insecure = fixture.newBroker({ settings: () => ({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: 'http://127.0.0.1:1' }) });
      await assert.rejects(insecure.signInWithDeviceCode(CLUSTER_A, () => undefined), /kusto\.signIn\.authorityHost must use https/);
    });
  });

  describe('short-lived tokens (90 s, as Conditional Access issues them)', () => {
    beforeEach(async () => {
      fixture = await startAuthFixture({ accessTokenLifetimeSeconds: 90 });
    });

    it('uses the sign-in token for the first queries and shares at most one refresh among concurrent ones', async () => {
      const broker = fixture.newBroker();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      const signInToken = await broker.getTokenDetails(CLUSTER_A);
      assert.ok(signInToken.expiresOn.getTime() - Date.now() <= 90_000);
      // Seconds after sign-in a query used to cost two refresh-token grants (MSAL's 5-minute rule, then ours).
      const queries = await Promise.all(Array.from({ length: 8 }, () => broker.getToken(CLUSTER_A)));
      assert.deepEqual(new Set(queries), new Set([signInToken.accessToken]));
      assert.equal(fixture.tokenCalls('refresh_token'), 0, 'no grant while two thirds of the token\'s life are left');

      // A new window (empty memory, same cache): MSAL renews the 90-second token once, for all eight at once.
      const otherWindow = fixture.newBroker();
      const fromOtherWindow = await Promise.all(Array.from({ length: 8 }, () => otherWindow.getToken(CLUSTER_A)));
      assert.equal(new Set(fromOtherWindow).size, 1);
      assert.ok(fixture.tokenCalls('refresh_token') <= 1, `at most one grant for eight concurrent queries (saw ${fixture.tokenCalls('refresh_token')})`);
      const grants = fixture.tokenCalls('refresh_token');
      await Promise.all(Array.from({ length: 8 }, () => otherWindow.getToken(CLUSTER_A)));
      assert.equal(fixture.tokenCalls('refresh_token'), grants, 'the token just renewed is not renewed again');
    });
  });
});
