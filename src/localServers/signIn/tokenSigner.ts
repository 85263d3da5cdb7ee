// RS256 JWT signing with a key generated when the server starts; the public half is published as a JWKS so a
// resource server (the local Kusto server) verifies tokens exactly as it would verify Azure AD's.

import { KeyObject, createHash, generateKeyPair, sign } from 'node:crypto';

export interface JsonWebKey {
  readonly kty: 'RSA';
  readonly use: 'sig';
  readonly alg: 'RS256';
  readonly kid: string;
  readonly n: string;
  readonly e: string;
}

export interface TokenSigner {
  readonly keyId: string;
  readonly publicJwk: JsonWebKey;
  sign(claims: Record<string, unknown>): string;
}

export function base64UrlEncode(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export async function createTokenSigner(): Promise<TokenSigner> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
    (resolve, reject) => {
      generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKeyObject, privateKeyObject) => {
        if (error) {
          reject(error);
        } else {
          resolve({ privateKey: privateKeyObject, publicKey: publicKeyObject });
        }
      });
    },
  );
  const exported = publicKey.export({ format: 'jwk' });
  if (typeof exported.n !== 'string' || typeof exported.e !== 'string') {
    throw new Error('The generated RSA key could not be exported as a JSON Web Key.');
  }
  // RFC 7638 thumbprint: stable for the key, changes when the key does (so stale caches notice).
  const thumbprintInput = JSON.stringify({ e: exported.e, kty: 'RSA', n: exported.n });
  const keyId = createHash('sha256').update(thumbprintInput).digest('base64url').slice(0, 27);
  const publicJwk: JsonWebKey = { kty: 'RSA', use: 'sig', alg: 'RS256', kid: keyId, n: exported.n, e: exported.e };
  return {
    keyId,
    publicJwk,
    sign(claims: Record<string, unknown>): string {
      const header = base64UrlEncode(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: keyId }));
      const payload = base64UrlEncode(JSON.stringify(claims));
      const signingInput = `${header}.${payload}`;
      const signature = sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url');
      return `${signingInput}.${signature}`;
    },
  };
}
