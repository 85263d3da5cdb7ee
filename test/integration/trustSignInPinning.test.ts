import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SIGN_IN_SETTINGS, type SignInSettings } from '../../src/core/auth/authoritySettings';
import { CONTOSO_TENANT_ID } from '../../src/localServers/signIn/directory';
import { startSignInServer, type RunningSignInServer } from '../../src/localServers/signIn/signInServer';
import { decodeJwtPayload } from '../support/authHarness';
import { startAuthFixture, type AuthFixture } from '../support/authHarnessServer';

const CLUSTER = 'https://clustera.westeurope.kusto.windows.net';
const APP_ID = 'a1b2c3d4-0000-4000-8000-00000000c11e';
const APP_SECRET = 'local-app-secret-value-123';

describe('trust boundary 2: each credential pins the login host it was created with', function () {
  this.timeout(60_000);
  let fixture: AuthFixture;
  let relay: RunningSignInServer;
  const relayLog: string[] = [];

  beforeEach(async () => {
    fixture = await startAuthFixture({ confidentialClients: [{ clientId: APP_ID, clientSecret: APP_SECRET, tenantId: CONTOSO_TENANT_ID }] });
    // The "authority" a hostile setting would point at: a sign-in server that records every request.
    relay = await startSignInServer({ certificateDir: path.join(os.tmpdir(), 'kusto-explorer-auth-tests-cert'), log: (line) => relayLog.push(line) });
    relayLog.length = 0;
  });

  afterEach(async () => {
    await fixture.close();
    await relay.close();
  });

  it('never sends a service principal\'s secret, or a person\'s refresh token, to an authority host set later', async () => {
    let settings: SignInSettings = { ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: fixture.server.origin };
    const broker = fixture.newBroker({ settings: () => settings, extraCaCertificates: [fixture.server.caCertificatePem, relay.caCertificatePem] });
    await broker.signInWithServicePrincipal(CLUSTER, { clientId: APP_ID, tenantId: CONTOSO_TENANT_ID, clientSecret: APP_SECRET });
    const person = fixture.newBroker({ settings: () => settings, extraCaCertificates: [fixture.server.caCertificatePem, relay.caCertificatePem] });
    await fixture.signIn(person, 'https://clusterb.westeurope.kusto.windows.net', 'alice@contoso.com');

    settings = { ...settings, authorityHost: relay.origin }; // what a workspace setting used to be able to do
    const appToken = await broker.getTokenDetails(CLUSTER, { forceRefresh: true });
    const userToken = await person.getTokenDetails('https://clusterb.westeurope.kusto.windows.net', { forceRefresh: true });
    assert.equal(decodeJwtPayload(appToken.accessToken).aud, CLUSTER);
    assert.equal(decodeJwtPayload(userToken.accessToken).aud, 'https://clusterb.westeurope.kusto.windows.net');
    assert.deepEqual(relayLog, [], 'the other host heard nothing: no secret, no refresh token, not even discovery');
  });
});
