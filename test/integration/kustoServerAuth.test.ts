// The local Kusto server checks bearer tokens like a cluster: signature, expiry, audience, per-database access.

import * as assert from 'node:assert/strict';
import { RunningKustoServer, createJwksTokenVerifier, startKustoServer } from '../../src/localServers/kusto/kustoServer';
import { LocalStack, startLocalStack } from '../../src/localServers/localStack';
import { management, parseFrames, primaryTables, queryV2, rawRequest } from '../support/kustoTestClient';
import { getTestAccessToken } from '../support/signInTestTokens';
import { TestTokenIssuer, createTestTokenIssuer } from '../support/testTokens';

function errorOf(text: string): { code: string; '@message': string } {
  return (JSON.parse(text) as { error: { code: string; '@message': string } }).error;
}

describe('local Kusto server: authentication and authorization', () => {
  let issuer: TestTokenIssuer;
  let server: RunningKustoServer;
  const logLines: string[] = [];

  before(async () => {
    issuer = createTestTokenIssuer('key-1');
    server = await startKustoServer({ tokenVerifier: createJwksTokenVerifier(issuer.jwks), log: (line) => logLines.push(line) });
  });

  after(async () => {
    await server.close();
  });

  it('rejects a request without a token with 401, a Kusto-style body and WWW-Authenticate', async () => {
    const response = await rawRequest(server.url, '/v2/rest/query', { db: 'Samples', csl: 'print 1' });
    assert.equal(response.status, 401);
    assert.match(String(response.headers['www-authenticate']), /^Bearer authorization_uri="[^"]+", error="invalid_token"/);
    const error = errorOf(response.text);
    assert.equal(error.code, 'Unauthorized');
    assert.match(error['@message'], /no Authorization header/);
  });

  it('rejects a token for another audience, an expired token, a forged signature and garbage, never echoing the token', async () => {
    const forger = createTestTokenIssuer('key-1'); // same key id, different key: only the signature can tell
    const cases: Array<[string, string, RegExp]> = [
      ['another cluster', issuer.sign({ audience: 'https://help.kusto.windows.net', upn: 'alice@contoso.com' }), /audience 'https:\/\/help\.kusto\.windows\.net' does not match this cluster/],
      ['expired', issuer.sign({ audience: server.url, upn: 'alice@contoso.com', expiresInSeconds: -3600 }), /expired at/],
      ['forged signature', forger.sign({ audience: server.url, upn: 'alice@contoso.com' }), /signature is invalid/],
      ['not a JWT', 'not-a-jwt-at-all', /not a JWT/],
      ['not yet valid', issuer.sign({ audience: server.url, upn: 'alice@contoso.com', notBeforeOffsetSeconds: 3600 }), /not valid before/],
    ];
    for (const [name, token, message] of cases) {
      const response = await queryV2(server.url, token, 'Samples', 'print 1');
      assert.equal(response.status, 401, name);
      assert.match(errorOf(response.text)['@message'], message, name);
      assert.ok(!response.text.includes(token), `${name}: the error body must not contain the token`);
      assert.ok(!String(response.headers['www-authenticate']).includes(token));
    }
    assert.ok(logLines.length > 0);
    assert.ok(logLines.every((line) => !line.includes('eyJ')), 'no token text in the log');
  });

  it('accepts a token whose audience has a trailing slash', async () => {
    const token = issuer.sign({ audience: `${server.url}/`, upn: 'alice@contoso.com' });
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'print ok = true'));
    assert.deepEqual(primaryTables(frames)[0].Rows, [[true]]);
  });

  it('answers 403 when bob reads SecurityLogs, and hides that database from his .show databases', async () => {
    const bob = issuer.sign({ audience: server.url, upn: 'bob@fabrikam.com' });
    const denied = await queryV2(server.url, bob, 'SecurityLogs', 'SigninLogs | take 1');
    assert.equal(denied.status, 403);
    const error = errorOf(denied.text);
    assert.equal(error.code, 'Forbidden');
    assert.match(error['@message'], /not authorized to read database 'SecurityLogs'/);
    const schema = await management(server.url, bob, 'Samples', '.show database SecurityLogs schema as json');
    assert.equal(schema.status, 403);
    const databases = JSON.parse((await management(server.url, bob, 'Samples', '.show databases')).text) as { Tables: Array<{ Rows: unknown[][] }> };
    assert.deepEqual(databases.Tables[0].Rows.map((r) => r[0]), ['Samples', 'ContosoSales']);
    const alice = issuer.sign({ audience: server.url, upn: 'alice@contoso.com' });
    const allowed = primaryTables(parseFrames(await queryV2(server.url, alice, 'SecurityLogs', 'SigninLogs | count')));
    assert.deepEqual(allowed[0].Rows, [[5000]]);
  });

  it('finds keys that rotate in after start (the JWKS is fetched again for an unknown key id)', async () => {
    let current = createTestTokenIssuer('rotating-1');
    const rotatingServer = await startKustoServer({ tokenVerifier: createJwksTokenVerifier(async () => current.jwks) });
    try {
      const first = await queryV2(rotatingServer.url, current.sign({ audience: rotatingServer.url }), 'Samples', 'print 1');
      assert.equal(first.status, 200);
      current = createTestTokenIssuer('rotating-2');
      const second = await queryV2(rotatingServer.url, current.sign({ audience: rotatingServer.url }), 'Samples', 'print 1');
      assert.equal(second.status, 200);
    } finally {
      await rotatingServer.close();
    }
  });

  describe('with the local sign-in server (real device-code tokens)', () => {
    let stack: LocalStack;

    before(async () => {
      stack = await startLocalStack({});
    });

    after(async () => {
      await stack.close();
    });

    it('accepts the sign-in server tokens for its own URL and applies per-user access', async () => {
      const aliceToken = await getTestAccessToken(stack.signIn, stack.kusto.url, 'alice@contoso.com');
      const count = primaryTables(parseFrames(await queryV2(stack.kusto.url, aliceToken, 'Samples', 'StormEvents | count')));
      assert.deepEqual(count[0].Rows, [[59066]]);
      const bobToken = await getTestAccessToken(stack.signIn, stack.kusto.url, 'bob@fabrikam.com');
      assert.equal((await queryV2(stack.kusto.url, bobToken, 'SecurityLogs', 'SigninLogs | take 1')).status, 403);
      assert.equal((await queryV2(stack.kusto.url, bobToken, 'Samples', 'print 1')).status, 200);
    });

    it('rejects a sign-in server token minted for a different cluster', async () => {
      const otherClusterToken = await getTestAccessToken(stack.signIn, 'https://help.kusto.windows.net', 'alice@contoso.com');
      const response = await queryV2(stack.kusto.url, otherClusterToken, 'Samples', 'print 1');
      assert.equal(response.status, 401);
      assert.match(errorOf(response.text)['@message'], /does not match this cluster/);
    });

    it('advertises the sign-in server as the login endpoint', async () => {
      const metadata = JSON.parse((await rawRequest(stack.kusto.url, '/v1/rest/auth/metadata', undefined)).text) as { AzureAD: { LoginEndpoint: string } };
      assert.equal(metadata.AzureAD.LoginEndpoint, stack.signIn.origin);
    });
  });
});
