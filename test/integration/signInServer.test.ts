import * as assert from 'node:assert';
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfidentialClientApplication, InteractionRequiredAuthError, PublicClientApplication } from '@azure/msal-node';
import { Agent, request } from 'undici';
import { ensureDevCertificate } from '../../src/localServers/devCertificate';
import { startSignInServer, type RunningSignInServer, type SignInServerOptions } from '../../src/localServers/signIn/signInServer';
import { SignInNetworkClient } from '../support/signInNetworkClient';
import { getTestAccessToken, TEST_PUBLIC_CLIENT_ID } from '../support/signInTestTokens';
import { readForm } from '../support/authHarnessBrowser';

const CLUSTER = 'https://help.kusto.windows.net';
const SECOND_CLUSTER = 'http://127.0.0.1:8082';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type Json = Record<string, unknown>;

function decodeJwtPart(token: string, index: 0 | 1): Json {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Json;
}

/** A small harness: one server, an undici agent trusting its CA, and the log lines it wrote. */
class Harness {
  readonly logLines: string[] = [];
  readonly networkClients: SignInNetworkClient[] = [];
  server!: RunningSignInServer;
  agent!: Agent;

  async start(options: SignInServerOptions = {}): Promise<this> {
    this.server = await startSignInServer({ pollIntervalSeconds: 1, log: (line) => this.logLines.push(line), ...options });
    this.agent = new Agent({ connect: { ca: this.server.caCertificatePem } });
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all(this.networkClients.map((client) => client.close()));
    await this.agent?.close();
    await this.server?.close();
  }

  publicClient(tenant?: string): PublicClientApplication {
    const networkClient = new SignInNetworkClient(this.server.caCertificatePem);
    this.networkClients.push(networkClient);
    return new PublicClientApplication({
      auth: { clientId: TEST_PUBLIC_CLIENT_ID, authority: this.server.authority(tenant), knownAuthorities: [new URL(this.server.origin).host] },
      system: { networkClient },
    });
  }

  async post(pathName: string, body: Json | URLSearchParams): Promise<{ status: number; body: Json }> {
    const isForm = body instanceof URLSearchParams;
    const response = await request(`${this.server.origin}${pathName}`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json', 'x-local-control-token': this.server.controlToken },
      body: isForm ? body.toString() : JSON.stringify(body),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: response.headers['content-type']?.toString().includes('json') ? (JSON.parse(text) as Json) : { html: text } };
  }

  async get(pathName: string): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
    const response = await request(`${this.server.origin}${pathName}`, { dispatcher: this.agent });
    return { status: response.statusCode, text: await response.body.text(), headers: response.headers };
  }

  /** Starts a device code over raw HTTP, as MSAL would. */
  async startDeviceCode(scope = `${CLUSTER}/.default openid profile offline_access`, tenant = 'organizations'): Promise<Json> {
    const started = await this.post(`/${tenant}/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: TEST_PUBLIC_CLIENT_ID, scope }));
    assert.strictEqual(started.status, 200, JSON.stringify(started.body));
    return started.body;
  }

  pollToken(deviceCode: string, tenant = 'organizations'): Promise<{ status: number; body: Json }> {
    return this.post(
      `/${tenant}/oauth2/v2.0/token`,
      new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, client_id: TEST_PUBLIC_CLIENT_ID, device_code: deviceCode, client_info: '1' }),
    );
  }

  /** Verifies an RS256 JWT against the server's published JWKS, as a resource server would. */
  async verifyWithJwks(token: string): Promise<boolean> {
    const jwks = JSON.parse((await this.get(new URL(this.server.jwksUri).pathname)).text) as { keys: Json[] };
    const header = decodeJwtPart(token, 0);
    const jwk = jwks.keys.find((key) => key.kid === header.kid);
    if (!jwk || header.alg !== 'RS256') {
      return false;
    }
    const [encodedHeader, encodedPayload, signature] = token.split('.');
    const publicKey = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    return verify('sha256', Buffer.from(`${encodedHeader}.${encodedPayload}`), publicKey, Buffer.from(signature, 'base64url'));
  }
}

/** Plays the browser for MSAL's loopback: posts a form_post page's fields to the app (always via 127.0.0.1). */
async function submitFormPost(html: string): Promise<number> {
  const { action, fields } = readForm(html);
  const target = new URL(action);
  assert.ok(target.hostname === 'localhost' || target.hostname === '127.0.0.1', `form_post goes to the loopback, not ${target.host}`);
  target.hostname = '127.0.0.1';
  const response = await request(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  await response.body.text();
  return response.statusCode;
}

/** Runs MSAL's device code flow; `onCode` plays the person at the browser. */
async function signInWithDeviceCode(
  client: PublicClientApplication,
  scopes: string[],
  onCode: (response: { userCode: string; message: string }) => Promise<unknown>,
): Promise<{ result: Awaited<ReturnType<PublicClientApplication['acquireTokenByDeviceCode']>>; message: string }> {
  let decision: Promise<unknown> = Promise.resolve();
  let message = '';
  const result = await client.acquireTokenByDeviceCode({
    scopes,
    deviceCodeCallback: (response) => {
      message = response.message;
      decision = onCode(response);
    },
  });
  await decision;
  return { result, message };
}

describe('local sign-in server with the real @azure/msal-node', () => {
  const harness = new Harness();
  before(async () => {
    await harness.start();
  });
  after(async () => {
    await harness.stop();
  });

  it('signs a user in with a device code approved over HTTP, and the token is for the cluster', async () => {
    const client = harness.publicClient();
    const { result, message } = await signInWithDeviceCode(client, [`${CLUSTER}/.default`], (code) =>
      harness.post('/_test/devicecode/approve', { user_code: code.userCode, user: 'alice@contoso.com' }),
    );
    assert.ok(result, 'MSAL returned no result');
    assert.match(message, new RegExp(`open the page ${harness.server.origin}/devicelogin and enter the code [A-Z0-9]{9} to authenticate`));
    assert.strictEqual(result.account?.username, 'alice@contoso.com');
    assert.strictEqual(result.account?.name, 'Alice Example');
    const claims = decodeJwtPart(result.accessToken, 1);
    assert.strictEqual(claims.aud, CLUSTER);
    assert.strictEqual(claims.upn, 'alice@contoso.com');
    assert.strictEqual(claims.iss, `${harness.server.origin}/${claims.tid}/v2.0`);
    assert.strictEqual(claims.appid, TEST_PUBLIC_CLIENT_ID);
    assert.strictEqual(claims.scp, 'user_impersonation');
    assert.ok((claims.exp as number) > Date.now() / 1000 + 3000, 'the default lifetime is an hour');
    assert.strictEqual(await harness.verifyWithJwks(result.accessToken), true);
    assert.deepStrictEqual(harness.server.pendingDeviceCodes(), [], 'the approved code is no longer pending');

    // One sign-in serves a second cluster: MSAL uses the refresh token, no new device code.
    const devicecodeRequestsBefore = harness.logLines.filter((line) => line.includes('/devicecode')).length;
    const second = await client.acquireTokenSilent({ account: result.account!, scopes: [`${SECOND_CLUSTER}/.default`] });
    const secondClaims = decodeJwtPart(second.accessToken, 1);
    assert.strictEqual(secondClaims.aud, SECOND_CLUSTER);
    assert.strictEqual(secondClaims.oid, claims.oid);
    assert.strictEqual(harness.logLines.filter((line) => line.includes('/devicecode')).length, devicecodeRequestsBefore);
    assert.ok(harness.logLines.some((line) => line.includes('grant_type=refresh_token -> 200')));
    assert.strictEqual(await harness.verifyWithJwks(second.accessToken), true);

    // The first cluster's token comes from MSAL's cache, unchanged.
    const cached = await client.acquireTokenSilent({ account: result.account!, scopes: [`${CLUSTER}/.default`] });
    assert.strictEqual(cached.accessToken, result.accessToken);
  });

  it('rejects the sign-in with access_denied when the person declines', async () => {
    const client = harness.publicClient();
    await assert.rejects(
      signInWithDeviceCode(client, [`${CLUSTER}/.default`], (code) => harness.post('/_test/devicecode/deny', { user_code: code.userCode })),
      (error: Error) => /access_denied/.test(error.message),
    );
  });

  it('fails silent sign-in with invalid_grant (interaction required) after the refresh tokens are revoked', async () => {
    const client = harness.publicClient();
    const { result } = await signInWithDeviceCode(client, [`${CLUSTER}/.default`], async (code) =>
      harness.server.approveDeviceCode(code.userCode, 'carol@contoso.com'),
    );
    const revoked = await harness.post('/_test/refresh_tokens/revoke', { user: 'carol@contoso.com' });
    assert.strictEqual(revoked.status, 200);
    await assert.rejects(
      client.acquireTokenSilent({ account: result!.account!, scopes: [`${SECOND_CLUSTER}/.default`] }),
      (error: Error) => error instanceof InteractionRequiredAuthError && error.errorCode === 'invalid_grant' && /AADSTS50173/.test(error.errorMessage),
    );
  });

  it('refreshes an access token that expired, with the lifetime changed at run time', async () => {
    const client = harness.publicClient();
    const config = await harness.post('/_test/config', { accessTokenLifetimeSeconds: 2 });
    assert.strictEqual(config.status, 200);
    try {
      const { result } = await signInWithDeviceCode(client, [`${CLUSTER}/.default`], async (code) =>
        harness.server.approveDeviceCode(code.userCode, 'alice@contoso.com'),
      );
      const claims = decodeJwtPart(result!.accessToken, 1);
      assert.strictEqual((claims.exp as number) - (claims.iat as number), 2);
      // MSAL renews tokens close to expiry, so the next silent call gets a new token from the refresh token.
      const renewed = await client.acquireTokenSilent({ account: result!.account!, scopes: [`${CLUSTER}/.default`] });
      assert.notStrictEqual(renewed.accessToken, result!.accessToken);
      assert.strictEqual(decodeJwtPart(renewed.accessToken, 1).aud, CLUSTER);
    } finally {
      harness.server.setAccessTokenLifetime(3600);
    }
  });

  it('signs in interactively with an authorization code and PKCE, through MSAL\'s loopback redirect', async () => {
    const client = harness.publicClient();
    const visited: string[] = [];
    const result = await client.acquireTokenInteractive({
      scopes: [`${CLUSTER}/.default`],
      loginHint: 'carol@contoso.com',
      openBrowser: async (url) => {
        visited.push(url);
        const page = await harness.get(new URL(url).pathname + new URL(url).search);
        assert.strictEqual(page.status, 200);
        assert.match(String(page.headers['content-security-policy']), /script-src 'nonce-/);
        assert.strictEqual(await submitFormPost(page.text), 200);
      },
    });
    assert.strictEqual(new URL(visited[0]).searchParams.get('code_challenge_method'), 'S256');
    assert.strictEqual(result.account?.username, 'carol@contoso.com');
    assert.strictEqual(decodeJwtPart(result.accessToken, 1).aud, CLUSTER);
    const second = await client.acquireTokenSilent({ account: result.account!, scopes: [`${SECOND_CLUSTER}/.default`] });
    assert.strictEqual(decodeJwtPart(second.accessToken, 1).aud, SECOND_CLUSTER);
  });

  it('shows an account chooser without a login hint, and reports Cancel as access_denied', async () => {
    const chooseAndSubmit = async (url: string, action: 'approve' | 'deny', upn: string): Promise<void> => {
      const chooser = await harness.get(new URL(url).pathname + new URL(url).search);
      assert.match(chooser.text, /Pick an account/);
      const { action: formAction, fields } = readForm(chooser.text);
      const answer = await harness.post(formAction, new URLSearchParams({ ...fields, user: upn, action }));
      assert.strictEqual(answer.status, 200);
      await submitFormPost(String(answer.body.html));
    };
    const chosen = await harness.publicClient().acquireTokenInteractive({
      scopes: [`${SECOND_CLUSTER}/.default`],
      openBrowser: (url) => chooseAndSubmit(url, 'approve', 'bob@fabrikam.com'),
    });
    assert.strictEqual(chosen.account?.username, 'bob@fabrikam.com');
    assert.strictEqual(decodeJwtPart(chosen.accessToken, 1).aud, SECOND_CLUSTER);
    await assert.rejects(
      harness.publicClient().acquireTokenInteractive({
        scopes: [`${CLUSTER}/.default`],
        openBrowser: (url) => chooseAndSubmit(url, 'deny', 'alice@contoso.com'),
      }),
      (error: Error) => /access_denied/.test(error.message),
    );
  });

  it('gives an app token for client credentials of a configured confidential client', async () => {
    const appHarness = await new Harness().start({
      confidentialClients: [{ clientId: 'a1b2c3d4-0000-4000-8000-00000000c11e', clientSecret: 'local-secret-value', tenantId: '72f9a1c4-5b3e-4d2a-9c61-0a1b2c3d4e5f', roles: ['Data.Read'] }],
    });
    try {
      const networkClient = new SignInNetworkClient(appHarness.server.caCertificatePem);
      appHarness.networkClients.push(networkClient);
      const app = (secret: string): ConfidentialClientApplication =>
        new ConfidentialClientApplication({
          auth: {
            clientId: 'a1b2c3d4-0000-4000-8000-00000000c11e',
            clientSecret: secret,
            authority: appHarness.server.authority('contoso.onmicrosoft.com'),
            knownAuthorities: [new URL(appHarness.server.origin).host],
          },
          system: { networkClient },
        });
      const result = await app('local-secret-value').acquireTokenByClientCredential({ scopes: [`${CLUSTER}/.default`] });
      assert.ok(result);
      const claims = decodeJwtPart(result.accessToken, 1);
      assert.strictEqual(claims.aud, CLUSTER);
      assert.strictEqual(claims.idtyp, 'app');
      assert.deepStrictEqual(claims.roles, ['Data.Read']);
      assert.strictEqual(claims.tid, '72f9a1c4-5b3e-4d2a-9c61-0a1b2c3d4e5f');
      assert.strictEqual(claims.upn, undefined);
      assert.strictEqual(result.idToken, '');
      assert.strictEqual(await appHarness.verifyWithJwks(result.accessToken), true);

      await assert.rejects(app('wrong-secret').acquireTokenByClientCredential({ scopes: [`${CLUSTER}/.default`] }), (error: Error) => {
        assert.match(error.message, /invalid_client/);
        assert.match(error.message, /AADSTS7000215/);
        assert.doesNotMatch(error.message, /wrong-secret|local-secret-value/);
        return true;
      });
    } finally {
      await appHarness.stop();
    }
  });
});

describe('local sign-in server over raw HTTP (RFC 8628 and Azure AD errors)', () => {
  const harness = new Harness();
  before(async () => {
    await harness.start({ deviceCodeLifetimeSeconds: 2 });
  });
  after(async () => {
    await harness.stop();
  });

  it('answers authorization_pending, then slow_down when polled faster than the interval', async () => {
    const started = await harness.startDeviceCode();
    assert.strictEqual(started.interval, 1);
    assert.match(String(started.user_code), /^[A-Z0-9]{9}$/);
    assert.strictEqual(started.verification_uri, `${harness.server.origin}/devicelogin`);
    const first = await harness.pollToken(String(started.device_code));
    assert.strictEqual(first.status, 400);
    assert.strictEqual(first.body.error, 'authorization_pending');
    assert.deepStrictEqual(first.body.error_codes, [70016]);
    for (const field of ['error_description', 'timestamp', 'trace_id', 'correlation_id', 'error_uri']) {
      assert.strictEqual(typeof first.body[field], 'string', `AAD error bodies carry ${field}`);
    }
    const tooSoon = await harness.pollToken(String(started.device_code));
    assert.strictEqual(tooSoon.body.error, 'slow_down');
  });

  it('answers expired_token once the device code lifetime is over, even if it is then approved', async () => {
    const started = await harness.startDeviceCode();
    assert.strictEqual(started.expires_in, 2);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.deepStrictEqual(harness.server.pendingDeviceCodes(), []);
    assert.throws(() => harness.server.approveDeviceCode(String(started.user_code), 'alice@contoso.com'), /has expired/);
    const poll = await harness.pollToken(String(started.device_code));
    assert.strictEqual(poll.body.error, 'expired_token');
  });

  it('redeems a device code once only, and rejects unknown codes with bad_verification_code', async () => {
    const started = await harness.startDeviceCode();
    harness.server.approveDeviceCode(String(started.user_code).toLowerCase(), 'bob@fabrikam.com');
    const redeemed = await harness.pollToken(String(started.device_code));
    assert.strictEqual(redeemed.status, 200);
    assert.strictEqual(redeemed.body.token_type, 'Bearer');
    assert.strictEqual(redeemed.body.scope, `${CLUSTER}/.default`);
    const clientInfo = JSON.parse(Buffer.from(String(redeemed.body.client_info), 'base64url').toString()) as Json;
    const idClaims = decodeJwtPart(String(redeemed.body.id_token), 1);
    assert.deepStrictEqual(clientInfo, { uid: idClaims.oid, utid: idClaims.tid });
    assert.strictEqual(idClaims.aud, TEST_PUBLIC_CLIENT_ID);
    assert.strictEqual(idClaims.preferred_username, 'bob@fabrikam.com');
    assert.strictEqual(typeof redeemed.body.refresh_token, 'string');

    const again = await harness.pollToken(String(started.device_code));
    assert.strictEqual(again.body.error, 'invalid_grant');
    const unknown = await harness.pollToken('not-a-real-device-code');
    assert.strictEqual(unknown.body.error, 'bad_verification_code');
  });

  it('refuses a scope naming two resources with invalid_scope (AADSTS28000)', async () => {
    const refused = await harness.post(
      '/organizations/oauth2/v2.0/devicecode',
      new URLSearchParams({ client_id: TEST_PUBLIC_CLIENT_ID, scope: `${CLUSTER}/.default ${SECOND_CLUSTER}/.default openid` }),
    );
    assert.strictEqual(refused.status, 400);
    assert.strictEqual(refused.body.error, 'invalid_scope');
    assert.match(String(refused.body.error_description), /^AADSTS28000: .*more than one resource/);
  });

  it('refuses a user who is not a member of the requested tenant (AADSTS50020)', async () => {
    const started = await harness.startDeviceCode(undefined, 'contoso.onmicrosoft.com');
    const approval = await harness.post('/_test/devicecode/approve', { user_code: started.user_code, user: 'bob@fabrikam.com' });
    assert.match(String(approval.body.warning), /AADSTS50020/);
    const poll = await harness.pollToken(String(started.device_code), 'contoso.onmicrosoft.com');
    assert.strictEqual(poll.body.error, 'invalid_grant');
    assert.match(String(poll.body.error_description), /^AADSTS50020: User account 'bob@fabrikam.com'/);
  });

  it('mints tokens for any resource from one refresh token, rotating it, and rejects an unknown one', async () => {
    const started = await harness.startDeviceCode();
    harness.server.approveDeviceCode(String(started.user_code), 'alice@contoso.com');
    const signedIn = await harness.pollToken(String(started.device_code));
    const refresh = (refreshToken: string, scope: string): Promise<{ status: number; body: Json }> =>
      harness.post('/organizations/oauth2/v2.0/token', new URLSearchParams({ grant_type: 'refresh_token', client_id: TEST_PUBLIC_CLIENT_ID, refresh_token: refreshToken, scope }));
    const second = await refresh(String(signedIn.body.refresh_token), `${SECOND_CLUSTER}/.default openid offline_access`);
    assert.strictEqual(second.status, 200);
    assert.strictEqual(decodeJwtPart(String(second.body.access_token), 1).aud, SECOND_CLUSTER);
    assert.notStrictEqual(second.body.refresh_token, signedIn.body.refresh_token);
    const rotated = await refresh(String(second.body.refresh_token), 'https://other.kusto.windows.net/user_impersonation');
    assert.strictEqual(decodeJwtPart(String(rotated.body.access_token), 1).aud, 'https://other.kusto.windows.net');
    const bogus = await refresh('0.LOCAL.made-up', `${CLUSTER}/.default`);
    assert.strictEqual(bogus.status, 400);
    assert.strictEqual(bogus.body.error, 'invalid_grant');
  });

  it('publishes OpenID configuration like Azure AD, with a {tenantid} issuer for organizations', async () => {
    const organizations = JSON.parse((await harness.get('/organizations/v2.0/.well-known/openid-configuration')).text) as Json;
    assert.strictEqual(organizations.issuer, `${harness.server.origin}/{tenantid}/v2.0`);
    assert.strictEqual(organizations.token_endpoint, `${harness.server.origin}/organizations/oauth2/v2.0/token`);
    assert.strictEqual(organizations.jwks_uri, harness.server.jwksUri);
    const byDomain = JSON.parse((await harness.get('/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration')).text) as Json;
    assert.match(String(byDomain.issuer), /\/[0-9a-f-]{36}\/v2\.0$/);
    const unknown = await harness.get('/nowhere.example/v2.0/.well-known/openid-configuration');
    assert.strictEqual(unknown.status, 400);
    assert.match(unknown.text, /AADSTS90002/);
  });

  it('lets a person approve a code on the /devicelogin page, with everything escaped', async () => {
    const page = await harness.get('/devicelogin?otc=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    assert.strictEqual(page.status, 200);
    assert.doesNotMatch(page.text, /<script>/);
    assert.match(page.text, /&quot;&gt;&lt;script&gt;/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    const formToken = /name="form_token" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(formToken);

    const started = await harness.startDeviceCode();
    const forged = await harness.post('/devicelogin', new URLSearchParams({ user_code: String(started.user_code), user: 'alice@contoso.com', action: 'approve', form_token: 'guess' }));
    assert.strictEqual(forged.status, 403);
    const approved = await harness.post('/devicelogin', new URLSearchParams({ user_code: String(started.user_code), user: 'carol@contoso.com', action: 'approve', form_token: formToken }));
    assert.strictEqual(approved.status, 200);
    assert.match(String(approved.body.html), /You signed in as carol@contoso\.com/);
    const poll = await harness.pollToken(String(started.device_code));
    assert.strictEqual(decodeJwtPart(String(poll.body.access_token), 1).upn, 'carol@contoso.com');

    const wrongCode = await harness.post('/devicelogin', new URLSearchParams({ user_code: 'ZZZZZZZZZ', user: 'alice@contoso.com', action: 'approve', form_token: formToken }));
    assert.strictEqual(wrongCode.status, 404);
    assert.match(String(wrongCode.body.html), /No sign-in is waiting for the code/);
  });

  it('checks the PKCE verifier and the redirect URI, and redeems an authorization code once', async () => {
    const verifier = 'a-verifier-that-is-long-enough-for-pkce-0123456789abcdef';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorizeQuery = (redirectUri: string): string =>
      `/organizations/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: TEST_PUBLIC_CLIENT_ID,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: `${CLUSTER}/.default openid offline_access`,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'xyz',
        login_hint: 'alice@contoso.com',
      }).toString()}`;

    const elsewhere = await harness.get(authorizeQuery('https://attacker.example/callback'));
    assert.strictEqual(elsewhere.status, 400, 'a non-loopback redirect URI is refused on the page, never redirected to');
    assert.strictEqual(elsewhere.headers.location, undefined);
    assert.match(elsewhere.text, /AADSTS50011/);

    const redirected = await harness.get(authorizeQuery('http://127.0.0.1:9/callback'));
    assert.strictEqual(redirected.status, 302);
    const location = new URL(String(redirected.headers.location));
    assert.strictEqual(location.searchParams.get('state'), 'xyz');
    const code = String(location.searchParams.get('code'));
    const redeem = (codeVerifier: string, redirectUri = 'http://127.0.0.1:9/callback'): Promise<{ status: number; body: Json }> =>
      harness.post(
        '/organizations/oauth2/v2.0/token',
        new URLSearchParams({ grant_type: 'authorization_code', client_id: TEST_PUBLIC_CLIENT_ID, code, redirect_uri: redirectUri, code_verifier: codeVerifier }),
      );
    assert.match(String((await redeem(verifier, 'http://127.0.0.1:10/other')).body.error_description), /^AADSTS50148/);
    assert.match(String((await redeem('not-the-verifier')).body.error_description), /^AADSTS501481/);
    const tokens = await redeem(verifier);
    assert.strictEqual(tokens.status, 200);
    assert.strictEqual(decodeJwtPart(String(tokens.body.access_token), 1).upn, 'alice@contoso.com');
    assert.match(String((await redeem(verifier)).body.error_description), /^AADSTS54005/);
  });

  it('refuses client credentials through a tenant-independent authority', async () => {
    const refused = await harness.post(
      '/organizations/oauth2/v2.0/token',
      new URLSearchParams({ grant_type: 'client_credentials', client_id: 'any', client_secret: 'any', scope: `${CLUSTER}/.default` }),
    );
    assert.strictEqual(refused.status, 400);
    assert.match(String(refused.body.error_description), /^AADSTS50059: .*Use the tenant id/);
  });

  it('lets MSAL\'s device code sign-in fail as expired when nobody approves in time', async () => {
    await assert.rejects(
      signInWithDeviceCode(harness.publicClient(), [`${CLUSTER}/.default`], async () => undefined),
      (error: Error) => /expired/i.test(error.message),
    );
  });

  it('never writes tokens or device codes to its log', async () => {
    const token = await getTestAccessToken(harness.server, SECOND_CLUSTER);
    assert.strictEqual(decodeJwtPart(token, 1).aud, SECOND_CLUSTER);
    const started = await harness.startDeviceCode();
    await harness.pollToken(String(started.device_code));
    const log = harness.logLines.join('\n');
    assert.ok(log.includes('POST /organizations/oauth2/v2.0/token grant_type=device_code'));
    assert.ok(!log.includes(String(started.device_code)));
    assert.ok(!log.includes(token.split('.')[1]));
    assert.ok(!/eyJ/.test(log), 'no JWT text in the log');
  });
});

describe('sign-in server options', () => {
  it('explains invalid options and a port that is taken', async () => {
    await assert.rejects(startSignInServer({ pollIntervalSeconds: 0 }), /pollIntervalSeconds must be a positive number/);
    await assert.rejects(startSignInServer({ port: 70000 }), /port must be an integer from 0 to 65535/);
    await assert.rejects(startSignInServer({ users: [] }), /at least one user/);
    const first = await startSignInServer();
    try {
      await assert.rejects(startSignInServer({ port: Number(new URL(first.origin).port) }), /already in use/);
    } finally {
      await first.close();
    }
  });
});

describe('dev certificate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kusto-dev-cert-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a certificate for 127.0.0.1 once and reuses it', async () => {
    const [first, concurrent] = await Promise.all([ensureDevCertificate(dir), ensureDevCertificate(dir)]);
    assert.strictEqual(first.certPem, concurrent.certPem, 'two callers at once get the same certificate');
    const certificate = new X509Certificate(first.certPem);
    assert.ok(certificate.checkIP('127.0.0.1'));
    assert.ok(new Date(certificate.validTo).getTime() > Date.now() + 800 * 24 * 3600 * 1000);
    assert.strictEqual((await stat(first.keyPath)).mode & 0o077, 0, 'the private key is readable by its owner only');
    const again = await ensureDevCertificate(dir);
    assert.strictEqual(again.certPem, first.certPem);
    assert.strictEqual(await readFile(again.keyPath, 'utf8'), first.keyPem);
  });

  it('explains a missing directory argument', async () => {
    await assert.rejects(ensureDevCertificate(''), /needs a directory/);
  });
});
