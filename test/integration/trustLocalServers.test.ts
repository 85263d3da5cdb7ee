import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureDevCertificate } from '../../src/localServers/devCertificate';
import { startKustoServer, type RunningKustoServer } from '../../src/localServers/kusto/kustoServer';
import { startSignInServer, type RunningSignInServer } from '../../src/localServers/signIn/signInServer';
import { queryV2, rawRequest } from '../support/kustoTestClient';
import { createTestTokenIssuer } from '../support/testTokens';
import { createJwksTokenVerifier } from '../../src/localServers/kusto/kustoServer';

function post(server: RunningSignInServer, pathName: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // A rebinding page's Host is not in the certificate; what is tested here is the server's own Host check.
    const request = https.request(`${server.origin}${pathName}`, { method: 'POST', ca: server.caCertificatePem, headers, servername: 'localhost', checkServerIdentity: () => undefined }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('trust boundary 6: the local dev servers on a shared machine', function () {
  this.timeout(60_000);
  let certDir: string;
  let signIn: RunningSignInServer;
  let kusto: RunningKustoServer;
  let token: string;

  before(async () => {
    certDir = mkdtempSync(path.join(tmpdir(), 'kusto-trust-cert-'));
    signIn = await startSignInServer({ certificateDir: certDir });
    const issuer = createTestTokenIssuer();
    kusto = await startKustoServer({ tokenVerifier: createJwksTokenVerifier(issuer.jwks) });
    token = issuer.sign({ audience: kusto.url, upn: 'alice@contoso.com' });
  });

  after(async () => {
    await signIn.close();
    await kusto.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('refuses control requests without the server\'s token, from a web page, or naming another Host (DNS rebinding)', async () => {
    const started = await post(signIn, '/organizations/oauth2/v2.0/devicecode', new URLSearchParams({ client_id: 'db662dc1-0cfe-4e1c-a843-19a68e65be58', scope: 'https://a.kusto.windows.net/.default' }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    const userCode = (JSON.parse(started.text) as { user_code: string }).user_code;
    const approve = JSON.stringify({ user_code: userCode, user: 'alice@contoso.com' });
    const host = new URL(signIn.origin).host;

    assert.equal((await post(signIn, '/_test/devicecode/approve', approve, { 'content-type': 'application/json' })).status, 401, 'no token');
    assert.equal((await post(signIn, '/_test/devicecode/approve', new URLSearchParams({ user_code: userCode }).toString(), { 'content-type': 'text/plain', origin: 'https://evil.example' })).status, 401, 'a cross-site post');
    const rebound = await post(signIn, '/_test/devicecode/approve', approve, { 'content-type': 'application/json', host: `evil.example:${host.split(':')[1]}`, 'x-local-control-token': signIn.controlToken });
    assert.equal(rebound.status, 403, 'a page on evil.example resolved to 127.0.0.1');
    assert.deepEqual(signIn.pendingDeviceCodes().map((p) => p.userCode), [userCode], 'the code is still waiting: nobody approved it');

    const allowed = await post(signIn, '/_test/devicecode/approve', approve, { 'content-type': 'application/json', 'x-local-control-token': signIn.controlToken });
    assert.equal(allowed.status, 200, allowed.text);

    const fault = await rawRequest(kusto.url, '/_test/faults', { kind: 'status', status: 503 });
    assert.equal(fault.status, 401);
    const reboundFault = await rawRequest(kusto.url, '/_test/faults', { kind: 'status', status: 503 }, { headers: { host: 'evil.example', 'x-local-control-token': kusto.controlToken } });
    assert.equal(reboundFault.status, 403);
    assert.equal((await queryV2(kusto.url, token, 'Samples', 'print 1')).status, 200, 'no fault was injected');
  });

  it('keeps only the last thousand requests in the Kusto server\'s log', async () => {
    for (let i = 0; i < 1_050; i++) {
      await rawRequest(kusto.url, '/v1/rest/auth/metadata', undefined);
    }
    assert.equal(kusto.requests.length, 1_000);
  });

  it('makes the dev certificate a leaf whose key cannot vouch for any other host', async () => {
    const certificate = await ensureDevCertificate(certDir);
    const parsed = new X509Certificate(certificate.certPem);
    assert.equal(parsed.ca, false, 'CA:FALSE');
    // Someone who copied the key signs a certificate for Microsoft's login host with it…
    const forged = path.join(certDir, 'forged');
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${forged}.key`, '-out', `${forged}.csr`, '-subj', '/CN=login.microsoftonline.com'], { stdio: 'ignore' });
    writeFileSync(`${forged}.ext`, 'subjectAltName=DNS:login.microsoftonline.com\n');
    execFileSync('openssl', ['x509', '-req', '-in', `${forged}.csr`, '-CA', certificate.certPath, '-CAkey', certificate.keyPath, '-CAcreateserial', '-out', `${forged}.pem`, '-days', '1', '-extfile', `${forged}.ext`], { stdio: 'ignore' });
    const server = https.createServer({ key: readFileSync(`${forged}.key`), cert: readFileSync(`${forged}.pem`) }, (_req, res) => res.end('phished'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // …and a process that trusts the dev certificate (NODE_EXTRA_CA_CERTS) connects to "login.microsoftonline.com".
      const outcome = await new Promise<string>((resolve) => {
        const request = https.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'login.microsoftonline.com', headers: { host: 'login.microsoftonline.com' }, ca: certificate.certPem, checkServerIdentity: () => undefined }, (response) => {
          response.resume();
          resolve(`connected ${response.statusCode}`);
        });
        request.on('error', (error: NodeJS.ErrnoException) => resolve(`refused ${error.code ?? error.message}`));
      });
      assert.match(outcome, /^refused /, outcome);
    } finally {
      server.close();
    }
  });
});
