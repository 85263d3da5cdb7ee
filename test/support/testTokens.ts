// Signs RS256 access tokens for tests of servers that verify them (a stand-in identity provider's keys).

import { JsonWebKey, KeyObject, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';

export interface TestTokenClaims {
  /** Audience: the cluster URL the token is for. */
  audience: string;
  upn?: string;
  objectId?: string;
  tenantId?: string;
  appId?: string;
  /** Seconds from now; negative for an already expired token. Default 3600. */
  expiresInSeconds?: number;
  notBeforeOffsetSeconds?: number;
}

export interface TestTokenIssuer {
  readonly jwks: { keys: JsonWebKey[] };
  readonly keyId: string;
  sign(claims: TestTokenClaims): string;
}

export const TEST_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

export function createTestTokenIssuer(keyId = `test-key-${randomUUID().slice(0, 8)}`): TestTokenIssuer {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JsonWebKey), kid: keyId, use: 'sig', alg: 'RS256' } as JsonWebKey;
  return {
    jwks: { keys: [jwk] },
    keyId,
    sign: (claims) => signToken(privateKey, keyId, claims),
  };
}

export function signToken(privateKey: KeyObject, keyId: string, claims: TestTokenClaims): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: keyId };
  const payload: Record<string, unknown> = {
    aud: claims.audience,
    iss: `https://sts.windows.net/${claims.tenantId ?? TEST_TENANT_ID}/`,
    iat: now,
    nbf: now + (claims.notBeforeOffsetSeconds ?? 0),
    exp: now + (claims.expiresInSeconds ?? 3600),
    oid: claims.objectId ?? randomUUID(),
    tid: claims.tenantId ?? TEST_TENANT_ID,
    upn: claims.upn,
    appid: claims.appId ?? 'db662dc1-0cfe-4e1c-a843-19a68e65be58',
    scp: 'user_impersonation',
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}
