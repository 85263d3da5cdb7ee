import * as assert from 'node:assert/strict';
import { describeSilentFailure } from '../../src/core/auth/authErrors';
import { describeError, redactSecrets } from '../../src/core/auth/redact';
import { isDueForRefresh, refreshMarginSeconds, tokenLifetimeMs } from '../../src/core/auth/refreshPolicy';

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('refresh margin scales with the token lifetime', () => {
  it('is never more than a third of the lifetime, and the configured margin for long tokens', () => {
    assert.equal(refreshMarginSeconds(90_000, 300), 30);
    assert.equal(refreshMarginSeconds(3_600_000, 300), 300);
    assert.equal(refreshMarginSeconds(undefined, 300), 300);
    const now = Date.now();
    assert.equal(isDueForRefresh(new Date(now + 80_000), 90_000, 300, now), false, 'a 90-second token with 80 s left is used');
    assert.equal(isDueForRefresh(new Date(now + 29_000), 90_000, 300, now), true);
  });

  it('reads the lifetime from the token (exp - iat), else from when it was obtained', () => {
    const iat = 1_700_000_000;
    assert.equal(tokenLifetimeMs(unsignedJwt({ iat, exp: iat + 90 }), new Date((iat + 90) * 1000)), 90_000);
    assert.equal(tokenLifetimeMs('opaque', new Date(5_000), 1_000), 4_000);
  });
});

describe('errors keep what a user searches for and hide only secrets', () => {
  it('keeps AADSTS codes and OAuth error values visible, even after a field called code', () => {
    assert.equal(redactSecrets('code: AADSTS50020 user not in tenant'), 'code: AADSTS50020 user not in tenant');
    assert.equal(redactSecrets('error_code=invalid_grant code=interaction_required'), 'error_code=invalid_grant code=interaction_required');
    assert.match(redactSecrets('invalid_client: AADSTS7000215: Invalid client secret provided.'), /AADSTS7000215: Invalid client secret provided/);
    const redacted = redactSecrets('client_secret=Abc8Q~s3cr3tValue code=0.AAAAbcdefSecretAuthCode refresh_token=1.AQABsecret');
    assert.ok(!/s3cr3t|SecretAuthCode|AQABsecret/.test(redacted), redacted);
    assert.ok(!/eyJ/.test(describeError(new Error(`failed with ${unsignedJwt({ a: 1 })}`))));
  });

  it('names the AADSTS code when a silent request needs the user again', () => {
    const error = Object.assign(new Error('invalid_grant: AADSTS50173: The provided grant has expired due to it being revoked.'), { errorCode: 'invalid_grant' });
    assert.equal(describeSilentFailure(error), 'the sign-in session expired or was revoked (invalid_grant) (AADSTS50173)');
  });
});
