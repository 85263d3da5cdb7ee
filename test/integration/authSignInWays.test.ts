import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SignInRequiredError } from '../../src/core/auth/accessTokenSource';
import { DeviceCodeSignInError, SignInError } from '../../src/core/auth/authErrors';
import { servicePrincipalSecretKey } from '../../src/core/auth/servicePrincipalCredential';
import { formatTokenClaims } from '../../src/core/auth/tokenClaims';
import { AZURE_CLI_ACCOUNT_ID, type ClusterSignInPreferences } from '../../src/core/auth/authTypes';
import { CONTOSO_TENANT_ID } from '../../src/localServers/signIn/directory';
import { decodeJwtPayload, JWT_PATTERN } from '../support/authHarness';
import { createFakeBrowser, type FakeBrowser } from '../support/authHarnessBrowser';
import { startAuthFixture, type AuthFixture } from '../support/authHarnessServer';
import { installFakeAz, type FakeAzInstallation } from '../support/fakeAzPath';

const CLUSTER_A = 'https://clustera.westeurope.kusto.windows.net';
const CLUSTER_B = 'https://clusterb.westeurope.kusto.windows.net';
const ALICE = 'alice@contoso.com';
const APP_ID = 'a1b2c3d4-0000-4000-8000-00000000c11e';
const APP_SECRET = 'local-app-secret-value-123';
const CLI_APP_ID = 'c1c1c1c1-0000-4000-8000-0000000000a2';
const CLI_APP_SECRET = 'local-cli-secret-value-456';

async function expectSignInFailure(promise: Promise<unknown>, reason: SignInError['reason']): Promise<SignInError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SignInError, `expected SignInError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return error;
  }
  assert.fail(`sign-in should have failed (${reason})`);
}

describe('Sign-in ways behind one getToken (real MSAL, local sign-in server)', function () {
  this.timeout(60_000);
  let fixture: AuthFixture;
  let browser: FakeBrowser;
  let az: FakeAzInstallation;
  const preferences = new Map<string, ClusterSignInPreferences>();

  beforeEach(async () => {
    preferences.clear();
    fixture = await startAuthFixture({
      confidentialClients: [
        { clientId: APP_ID, clientSecret: APP_SECRET, tenantId: CONTOSO_TENANT_ID, roles: ['Data.Read'] },
        { clientId: CLI_APP_ID, clientSecret: CLI_APP_SECRET, tenantId: CONTOSO_TENANT_ID },
      ],
    });
    browser = createFakeBrowser(fixture.server);
    az = installFakeAz();
  });

  afterEach(async () => {
    // Whatever a test did, no log line or stored profile carries token text or a client secret.
    const logged = [fixture.brokerLog.text(), ...fixture.serverLog].join('\n');
    assert.ok(!JWT_PATTERN.test(logged), 'no JWT-looking text in any log line');
    assert.ok(!logged.includes(APP_SECRET) && !logged.includes(CLI_APP_SECRET), 'no client secret in any log line');
    await browser.close();
    az.remove();
    await fixture.close();
  });

  const brokerWith = (azMode: 'loggedIn' | 'notLoggedIn' | 'wrongAudience' | 'notInstalled' = 'loggedIn') =>
    fixture.newBroker({
      clusterPreferences: (url) => preferences.get(url),
      azureCli: {
        env:
          azMode === 'notInstalled'
            ? { PATH: az.emptyDir }
            : az.env({
                FAKE_AZ_MODE: azMode,
                FAKE_AZ_ORIGIN: fixture.server.origin,
                FAKE_AZ_TENANT: CONTOSO_TENANT_ID,
                FAKE_AZ_CLIENT_ID: CLI_APP_ID,
                FAKE_AZ_CLIENT_SECRET: CLI_APP_SECRET,
                FAKE_AZ_CA_PATH: fixture.server.caCertificatePath,
              }),
        timeoutMs: 20_000,
      },
    });

  describe('browser (authorization code with PKCE over a loopback redirect)', () => {
    it('signs in with a login hint, then serves the cluster and a second one silently', async () => {
      const broker = brokerWith();
      const account = await broker.signInWithBrowser(CLUSTER_A, { openBrowser: browser.openBrowser(), loginHint: ALICE, successTemplate: 'Signed in to Kusto; you can close this tab.' });
      assert.equal(account.username, ALICE);
      assert.equal(account.signInMethod, 'browser');
      const authorize = new URL(browser.opened[0]);
      assert.equal(authorize.origin, fixture.server.origin);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('login_hint'), ALICE);
      assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/(localhost|127\.0\.0\.1):\d+/);
      assert.deepEqual(browser.finalPages, ['Signed in to Kusto; you can close this tab.']);

      const tokenA = await broker.getTokenDetails(CLUSTER_A);
      assert.equal(tokenA.fromCache, true);
      assert.equal(tokenA.signInMethod, 'browser');
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_B)).aud, CLUSTER_B);
      const listed = await broker.listAccounts();
      assert.deepEqual(listed.map((a) => [a.username, a.signInMethod]), [[ALICE, 'browser']]);
    });

    it('lets the user pick the account on the chooser page when there is no hint', async () => {
      const broker = brokerWith();
      const account = await broker.signInWithBrowser(CLUSTER_A, { openBrowser: browser.openBrowser('carol@contoso.com') });
      assert.equal(account.username, 'carol@contoso.com');
      assert.equal(new URL(browser.opened[0]).searchParams.get('prompt'), 'select_account');
    });

    it('stops at once on cancel, frees the loopback listener and keeps no account', async () => {
      const broker = brokerWith();
      const controller = new AbortController();
      const started = Date.now();
      const signIn = broker.signInWithBrowser(CLUSTER_A, {
        openBrowser: async (url) => {
          await browser.openAndWalkAway()(url);
          setTimeout(() => controller.abort(), 100);
        },
        signal: controller.signal,
      });
      const failure = await expectSignInFailure(signIn, 'cancelled');
      assert.match(failure.message, /cancelled/);
      assert.ok(Date.now() - started < 5000);
      const loopback = new URL(new URL(browser.opened[0]).searchParams.get('redirect_uri') as string);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await assert.rejects(fetch(`http://127.0.0.1:${loopback.port}/`), 'the loopback listener is closed');
      assert.deepEqual(await broker.listAccounts(), []);
    });

    it('explains a wrong tenant (AADSTS50020): what happened and what to do, nothing stored', async () => {
      const broker = brokerWith();
      const failure = await expectSignInFailure(
        broker.signInWithBrowser(CLUSTER_A, { openBrowser: browser.openBrowser(), loginHint: ALICE, tenant: 'fabrikam.onmicrosoft.com' }),
        'wrongTenant',
      );
      assert.match(failure.message, /alice@contoso\.com is not a member of tenant fabrikam\.onmicrosoft\.com \(AADSTS50020\)/);
      assert.match(failure.message, /invite your account as a guest/);
      assert.match(failure.message, /"tenant" on the cluster in kusto\.clusters/);
      assert.deepEqual(await broker.listAccounts(), []);
    });
  });

  describe('tenant choice', () => {
    it('device code with a tenant the account does not belong to ends with the wrong-tenant message', async () => {
      const broker = brokerWith();
      try {
        await broker.signInWithDeviceCode(CLUSTER_A, (prompt) => setTimeout(() => fixture.server.approveDeviceCode(prompt.userCode, ALICE), 50), undefined, {
          tenant: 'fabrikam.onmicrosoft.com',
        });
        assert.fail('sign-in should have failed');
      } catch (error) {
        assert.ok(error instanceof DeviceCodeSignInError, String(error));
        assert.equal(error.reason, 'wrongTenant', error.message);
        assert.match(error.message, /AADSTS50020/);
      }
    });

    it("signs in at a cluster's own tenant and keeps using that tenant for its silent requests", async () => {
      preferences.set(CLUSTER_A, { tenant: 'contoso.onmicrosoft.com' });
      const broker = brokerWith();
      const account = await broker.signInWithBrowser(CLUSTER_A, { openBrowser: browser.openBrowser(), loginHint: ALICE });
      assert.equal(account.tenantId, CONTOSO_TENANT_ID);
      assert.match(browser.opened[0], /\/contoso\.onmicrosoft\.com\/oauth2\/v2\.0\/authorize/);
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_B)).aud, CLUSTER_B);
      assert.ok(fixture.serverLog.some((line) => /POST \/contoso\.onmicrosoft\.com\/oauth2\/v2\.0\/token grant_type=refresh_token -> 200/.test(line)), fixture.serverLog.join('\n'));
    });
  });

  describe('service principal', () => {
    it('gets an app token with a secret that is kept only in the secret store, and survives a restart', async () => {
      const broker = brokerWith();
      const account = await broker.signInWithServicePrincipal(CLUSTER_A, { clientId: APP_ID, tenantId: 'contoso.onmicrosoft.com', clientSecret: APP_SECRET });
      assert.equal(account.signInMethod, 'servicePrincipal');
      assert.deepEqual(account.scopes.map((s) => s.clusterUrl), [CLUSTER_A]);
      const claims = decodeJwtPayload(await broker.getToken(CLUSTER_A));
      assert.equal(claims.aud, CLUSTER_A);
      assert.equal(claims.idtyp, 'app');
      assert.equal(claims.appid, APP_ID);
      assert.equal(fixture.store.peek(servicePrincipalSecretKey({ clientId: APP_ID, tenantId: 'contoso.onmicrosoft.com' })), APP_SECRET);
      const storedElsewhere = fixture.store.allText().split(APP_SECRET).length - 1;
      assert.equal(storedElsewhere, 1, 'the secret is stored once, under its own key');

      const restarted = brokerWith();
      assert.equal(decodeJwtPayload(await restarted.getToken(CLUSTER_B)).aud, CLUSTER_B, 'a new broker uses the stored secret');
      const inspected = await restarted.inspectToken(CLUSTER_B);
      assert.deepEqual(inspected.claims.roles, ['Data.Read']);
      assert.equal(inspected.claims.signInMethod, 'servicePrincipal');

      assert.equal(await restarted.signOut(account.homeAccountId), 1);
      assert.equal(fixture.store.allText().includes(APP_SECRET), false, 'sign-out deletes the secret');
      await assert.rejects(restarted.getToken(CLUSTER_A), SignInRequiredError);
    });

    it('refuses a wrong secret with a clear message and stores nothing', async () => {
      const broker = brokerWith();
      const failure = await expectSignInFailure(
        broker.signInWithServicePrincipal(CLUSTER_A, { clientId: APP_ID, tenantId: CONTOSO_TENANT_ID, clientSecret: 'not-the-secret' }),
        'failed',
      );
      assert.match(failure.message, /client secret was rejected \(AADSTS7000215\)/);
      assert.match(failure.message, /Value \(not its Secret ID\)/);
      assert.deepEqual(await broker.listAccounts(), []);
      assert.equal(fixture.store.allText().includes('not-the-secret'), false);
    });

    it('checks the client id and tenant before any request', async () => {
      const broker = brokerWith();
      const badId = await expectSignInFailure(broker.signInWithServicePrincipal(CLUSTER_A, { clientId: 'my-app', tenantId: CONTOSO_TENANT_ID, clientSecret: 'x' }), 'failed');
      assert.match(badId.message, /client \(application\) id is a GUID/);
      const alias = await expectSignInFailure(broker.signInWithServicePrincipal(CLUSTER_A, { clientId: APP_ID, tenantId: 'organizations', clientSecret: 'x' }), 'failed');
      assert.match(alias.message, /signs in to one tenant/);
    });
  });

  describe('Azure CLI', () => {
    it("reuses the 'az login' session through `az account get-access-token`", async () => {
      const broker = brokerWith();
      const account = await broker.signInWithAzureCli(CLUSTER_A);
      assert.equal(account.homeAccountId, AZURE_CLI_ACCOUNT_ID);
      assert.equal(account.signInMethod, 'azureCli');
      const token = await broker.getTokenDetails(CLUSTER_A);
      assert.equal(token.fromCache, true, 'the token from sign-in is reused until it nears expiry');
      assert.equal(decodeJwtPayload(token.accessToken).aud, CLUSTER_A);
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_B)).aud, CLUSTER_B);
      const calls = readFileSync(az.callLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
      assert.deepEqual(calls[0], ['account', 'get-access-token', '--resource', CLUSTER_A, '--output', 'json']);
      assert.equal(calls.length, 2, 'one az call per cluster');
    });

    it("passes the cluster's tenant to az", async () => {
      preferences.set(CLUSTER_A, { signInMethod: 'azureCli', tenant: CONTOSO_TENANT_ID });
      const broker = brokerWith();
      // The cluster names Azure CLI as its way: no sign-in step in VS Code is needed.
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_A)).tid, CONTOSO_TENANT_ID);
      const calls = readFileSync(az.callLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
      assert.deepEqual(calls[0].slice(-2), ['--tenant', CONTOSO_TENANT_ID]);
    });

    it("tells the user to run 'az login' when az is not signed in", async () => {
      const broker = brokerWith('notLoggedIn');
      const failure = await expectSignInFailure(broker.signInWithAzureCli(CLUSTER_A), 'unavailable');
      assert.match(failure.message, /Azure CLI is not signed in: run "az login" in a terminal/);
      assert.deepEqual(await broker.listAccounts(), []);
    });

    it('says that az is missing when it is not on PATH', async () => {
      const broker = brokerWith('notInstalled');
      const failure = await expectSignInFailure(broker.signInWithAzureCli(CLUSTER_A), 'unavailable');
      assert.match(failure.message, /^Azure CLI \(az\) was not found on PATH\. Install it/);
    });

    it('refuses a token meant for another resource (wrong audience) before it reaches the cluster', async () => {
      const broker = brokerWith('wrongAudience');
      const failure = await expectSignInFailure(broker.signInWithAzureCli(CLUSTER_A), 'failed');
      assert.match(failure.message, /returned a token for "https:\/\/someothercluster\.kusto\.windows\.net", not for https:\/\/clustera\.westeurope\.kusto\.windows\.net/);
      assert.match(failure.message, /sign in for that cluster again/);
      assert.ok(!JWT_PATTERN.test(failure.message));
      preferences.set(CLUSTER_B, { signInMethod: 'azureCli' });
      await assert.rejects(broker.getToken(CLUSTER_B), /not for https:\/\/clusterb\.westeurope\.kusto\.windows\.net/);
    });
  });

  describe('choosing the way per cluster and inspecting tokens', () => {
    it('serves each cluster from its own way and shows each way in the account list', async () => {
      const broker = brokerWith();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      await broker.signInWithServicePrincipal(CLUSTER_B, { clientId: APP_ID, tenantId: CONTOSO_TENANT_ID, clientSecret: APP_SECRET });
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_A)).upn, ALICE, 'cluster A keeps the person who signed in first');
      assert.equal(decodeJwtPayload(await broker.getToken(CLUSTER_B)).idtyp, 'app', 'cluster B uses the service principal');
      const methods = (await broker.listAccounts()).map((a) => a.signInMethod).sort();
      assert.deepEqual(methods, ['deviceCode', 'servicePrincipal']);
      assert.equal((await broker.describeSession(CLUSTER_B))?.account.signInMethod, 'servicePrincipal');
    });

    it('shows the claims that matter and never the token', async () => {
      const broker = brokerWith();
      await fixture.signIn(broker, CLUSTER_A, ALICE);
      const token = await broker.getToken(CLUSTER_A);
      const inspection = await broker.inspectToken(CLUSTER_A);
      assert.equal(inspection.claims.audience, CLUSTER_A);
      assert.equal(inspection.claims.account, ALICE);
      assert.equal(inspection.claims.tenantId, CONTOSO_TENANT_ID);
      assert.deepEqual(inspection.claims.scopes, ['user_impersonation']);
      assert.equal(inspection.claims.signInMethod, 'deviceCode');
      assert.ok(inspection.claims.expiresOn && inspection.claims.expiresOn > new Date());
      const report = formatTokenClaims(inspection.claims, CLUSTER_A);
      const [header, payload, signature] = token.split('.');
      for (const part of [token, header, payload, signature]) {
        assert.equal(report.includes(part), false, 'no token text in the report');
        assert.equal(JSON.stringify(inspection).includes(part), false, 'no token text in the inspection');
      }
      assert.match(report, /\| Audience \(aud\) \| https:\/\/clustera\.westeurope\.kusto\.windows\.net \|/);
      assert.match(report, /\| Sign-in way \| Device code \|/);
    });
  });
});
