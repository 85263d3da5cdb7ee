import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SIGN_IN_SETTINGS, SignInSettingsError, resolveAuthority } from '../../src/core/auth/authoritySettings';
import { explainAadError } from '../../src/core/auth/authErrors';
import { AzureCliError, parseAzureCliTokenOutput } from '../../src/core/auth/azureCliCredential';
import { loadCertificateCredential, validateServicePrincipalField } from '../../src/core/auth/servicePrincipalCredential';
import { orderSignInMethods, parseSignInMethod, signInMethodAvailability } from '../../src/core/auth/signInMethods';
import { cloudOfCluster, isSameLoginCloud, loginEndpointForCluster } from '../../src/core/auth/sovereignClouds';
import { TokenAudienceError, assertTokenAudience, formatTokenClaims, summarizeTokenClaims } from '../../src/core/auth/tokenClaims';

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256' })}.${part(claims)}.c2lnbmF0dXJlLWJ5dGVzLWhlcmU`;
}

describe('sovereign clouds: the login endpoint follows the cluster', () => {
  const PUBLIC = 'https://login.microsoftonline.com';

  it('infers US Government and China from the cluster host suffix', () => {
    assert.equal(loginEndpointForCluster('https://mycluster.usgovvirginia.kusto.usgovcloudapi.net', PUBLIC), 'https://login.microsoftonline.us');
    assert.equal(loginEndpointForCluster('https://mycluster.chinaeast2.kusto.chinacloudapi.cn', PUBLIC), 'https://login.chinacloudapi.cn');
    assert.equal(loginEndpointForCluster('https://help.kusto.windows.net', PUBLIC), PUBLIC);
    // Azure Monitor's proxy hosts belong to a cloud too (azure-kusto-node wellKnownKustoEndpoints.json).
    assert.equal(cloudOfCluster('https://ade.loganalytics.io')?.id, 'public');
    assert.equal(loginEndpointForCluster('https://adx.monitor.azure.us/subscriptions/7d2f4a1c-5b3e-4c8d-9a6f-1e2b3c4d5e6f', PUBLIC), 'https://login.microsoftonline.us');
    assert.equal(cloudOfCluster('https://kusto.contoso.internal'), undefined);
  });

  it('lets a public cluster work while the setting names a sovereign cloud, and keeps private hosts on the setting', () => {
    assert.equal(loginEndpointForCluster('https://help.kusto.windows.net', 'https://login.microsoftonline.us'), PUBLIC);
    assert.equal(loginEndpointForCluster('https://kusto.contoso.internal', 'https://login.microsoftonline.us'), 'https://login.microsoftonline.us');
  });

  it('never overrides a custom authority host (a local sign-in server or a proxy)', () => {
    assert.equal(loginEndpointForCluster('https://mycluster.kusto.usgovcloudapi.net', 'https://127.0.0.1:8443'), 'https://127.0.0.1:8443');
  });

  it('builds the authority from the cluster, its tenant, and the settings', () => {
    const settings = { ...DEFAULT_SIGN_IN_SETTINGS };
    assert.equal(resolveAuthority(settings, { clusterUrl: 'https://x.kusto.usgovcloudapi.net' }).authority, 'https://login.microsoftonline.us/organizations');
    assert.equal(resolveAuthority(settings, { clusterUrl: 'https://x.kusto.chinacloudapi.cn', tenant: 'contoso.partner.onmschina.cn' }).authority, 'https://login.chinacloudapi.cn/contoso.partner.onmschina.cn');
    assert.equal(resolveAuthority(settings).authority, 'https://login.microsoftonline.com/organizations');
    assert.deepEqual(resolveAuthority(settings, { clusterUrl: 'https://x.kusto.usgovcloudapi.net' }).knownAuthorities, [], 'Microsoft clouds use instance discovery');
    assert.throws(() => resolveAuthority(settings, { tenant: 'not a tenant' }), (error: unknown) => error instanceof SignInSettingsError && /tenant "not a tenant"/.test(error.message));
  });

  it('treats login host aliases of one cloud as the same token cache environment', () => {
    assert.equal(isSameLoginCloud('login.windows.net', 'login.microsoftonline.com'), true);
    assert.equal(isSameLoginCloud('login.microsoftonline.us', 'login.microsoftonline.com'), false);
    assert.equal(isSameLoginCloud('127.0.0.1:8443', '127.0.0.1:8443'), true);
  });
});

describe('sign-in ways chosen by environment', () => {
  it('offers browser sign-in only where a local browser can reach the loopback listener', () => {
    assert.deepEqual(signInMethodAvailability('browser', { isWebUi: false }), { available: true });
    const remote = signInMethodAvailability('browser', { isWebUi: false, remoteName: 'ssh-remote' });
    assert.ok(!remote.available && /remote window \(ssh-remote\).*device code/.test(remote.reason));
    const web = signInMethodAvailability('browser', { isWebUi: true });
    assert.ok(!web.available && /code-server.*device code/i.test(web.reason));
    assert.deepEqual(signInMethodAvailability('deviceCode', { isWebUi: true }), { available: true });
  });

  it('lists the preferred way first and reads the setting strictly', () => {
    assert.deepEqual(orderSignInMethods('azureCli').map((m) => m.id), ['azureCli', 'deviceCode', 'browser', 'servicePrincipal']);
    assert.equal(parseSignInMethod(undefined, 'kusto.signIn.method'), undefined);
    assert.throws(() => parseSignInMethod('password', 'kusto.signIn.method'), /kusto\.signIn\.method \("password"\) must be one of deviceCode, browser, servicePrincipal, azureCli/);
  });
});

describe('Azure CLI output', () => {
  it('reads expires_on (epoch seconds) and falls back to expiresOn (local time text)', () => {
    const epoch = Math.floor(Date.now() / 1000) + 3000;
    const withEpoch = parseAzureCliTokenOutput(JSON.stringify({ accessToken: 'opaque-token', expiresOn: '2001-01-01 00:00:00.000000', expires_on: epoch }));
    assert.equal(withEpoch.expiresOn.getTime(), epoch * 1000);
    const older = parseAzureCliTokenOutput(JSON.stringify({ accessToken: 'opaque-token', expiresOn: '2030-05-06 07:08:09.123456' }));
    assert.equal(older.expiresOn.getTime(), new Date(2030, 4, 6, 7, 8, 9, 123).getTime());
  });

  it('rejects output without a token or expiry, without echoing it', () => {
    assert.throws(() => parseAzureCliTokenOutput('not json eyJhbGciOi'), (error: unknown) => error instanceof AzureCliError && error.reason === 'badOutput' && !error.message.includes('eyJ'));
    assert.throws(() => parseAzureCliTokenOutput('{"expires_on": 1}'), /returned no access token/);
    assert.throws(() => parseAzureCliTokenOutput('{"accessToken": "x"}'), /without a readable expiry/);
  });
});

describe('token claims for "Inspect token"', () => {
  const now = Math.floor(Date.now() / 1000);
  const userToken = unsignedJwt({ aud: 'https://help.kusto.windows.net', tid: 'tenant-1', upn: 'alice@contoso.com', appid: 'app-1', scp: 'user_impersonation', iat: now - 60, nbf: now - 60, exp: now + 3540, idtyp: 'user' });

  it('summarises audience, tenant, account, app, scopes and times, and the report holds no token text', () => {
    const summary = summarizeTokenClaims(userToken, 'browser');
    assert.equal(summary.audience, 'https://help.kusto.windows.net');
    assert.equal(summary.account, 'alice@contoso.com');
    assert.deepEqual(summary.scopes, ['user_impersonation']);
    assert.equal(summary.expiresOn?.getTime(), (now + 3540) * 1000);
    const report = formatTokenClaims(summary, 'https://help.kusto.windows.net', new Date(now * 1000));
    assert.match(report, /\| Expires \(exp\) \| .* \(in 59 min\) \|/);
    assert.match(report, /\| Sign-in way \| Browser \|/);
    for (const part of userToken.split('.')) {
      assert.equal(report.includes(part), false);
    }
  });

  it('lets a token for the cluster through and stops one for another resource', () => {
    assertTokenAudience(userToken, 'https://HELP.kusto.windows.net/', 'Test');
    assertTokenAudience('opaque-not-a-jwt', 'https://help.kusto.windows.net', 'Test');
    assert.throws(
      () => assertTokenAudience(userToken, 'https://other.kusto.windows.net', 'Azure CLI'),
      (error: unknown) => error instanceof TokenAudienceError && /Azure CLI returned a token for "https:\/\/help\.kusto\.windows\.net", not for https:\/\/other\.kusto\.windows\.net/.test(error.message),
    );
  });
});

describe('service principal input and errors', () => {
  it('names the field to fix', () => {
    assert.equal(validateServicePrincipalField('clientId', 'a1b2c3d4-0000-4000-8000-00000000c11e'), undefined);
    assert.match(validateServicePrincipalField('clientId', 'my app') ?? '', /GUID/);
    assert.match(validateServicePrincipalField('tenantId', 'common') ?? '', /one tenant/);
  });

  it('explains the Azure AD errors a user can act on', () => {
    const wrongTenant = explainAadError({ errorCode: 'access_denied', errorMessage: "AADSTS50020: User account 'bob@fabrikam.com' from identity provider 'x' does not exist in tenant 'y'" }, { clusterUrl: 'https://c.kusto.windows.net', tenant: 'contoso.com' });
    assert.equal(wrongTenant?.reason, 'wrongTenant');
    assert.match(wrongTenant?.message ?? '', /bob@fabrikam\.com is not a member of tenant contoso\.com/);
    assert.match(explainAadError(new Error('AADSTS700016: Application not found'), { clusterUrl: 'c', tenant: 't' })?.message ?? '', /client id and the tenant/);
    assert.equal(explainAadError(new Error('socket hang up'), { clusterUrl: 'c' }), undefined);
  });

  it('loads a PEM certificate with its private key and computes the SHA-256 thumbprint', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'kusto-sp-cert-'));
    try {
      const keyPath = path.join(dir, 'key.pem');
      const certPath = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=kusto-test-app'], { stdio: 'ignore' });
      const combined = path.join(dir, 'app.pem');
      writeFileSync(combined, readFileSync(certPath, 'utf8') + readFileSync(keyPath, 'utf8'));
      const expected = execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1].trim().replace(/:/g, '').toLowerCase();
      const credential = await loadCertificateCredential(combined);
      assert.equal(credential.thumbprintSha256, expected);
      assert.match(credential.privateKey, /^-----BEGIN PRIVATE KEY-----/);
      assert.match(credential.subject, /CN=kusto-test-app/);
      await assert.rejects(loadCertificateCredential(certPath), /holds no private key/);
      await assert.rejects(loadCertificateCredential(path.join(dir, 'missing.pem')), /could not be read \(it does not exist\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
