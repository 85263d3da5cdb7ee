// Verifies RS256 access tokens against a JWKS with node:crypto, the way a Kusto cluster checks Entra ID tokens.
// Error messages say what is wrong with a token and never contain the token itself.

import { JsonWebKey, KeyObject, createPublicKey, verify as verifySignature } from 'node:crypto';

export interface VerifiedPrincipal {
  audience: string;
  upn?: string;
  objectId: string;
  tenantId: string;
  appId?: string;
  expiresAt: Date;
}

export interface TokenVerifier {
  verify(bearerToken: string): Promise<VerifiedPrincipal>;
}

export type TokenRejectionReason = 'expired' | 'notYetValid' | 'badSignature' | 'malformed' | 'unknownKey';

export class TokenVerificationError extends Error {
  constructor(
    readonly reason: TokenRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

const CLOCK_SKEW_SECONDS = 60;

function decodeJsonSegment(segment: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value as Record<string, unknown>;
  } catch {
    throw new TokenVerificationError('malformed', `The access token's ${what} is not base64url-encoded JSON.`);
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export function createJwksTokenVerifier(jwks: JsonWebKeySet | (() => Promise<JsonWebKeySet>)): TokenVerifier {
  const loadKeys = typeof jwks === 'function' ? jwks : async () => jwks;
  let cachedKeys: Map<string, KeyObject> | undefined;

  async function keysById(refresh: boolean): Promise<Map<string, KeyObject>> {
    if (!cachedKeys || refresh) {
      const set = await loadKeys();
      const map = new Map<string, KeyObject>();
      for (const jwk of set.keys ?? []) {
        const kid = optionalString((jwk as Record<string, unknown>).kid) ?? '';
        try {
          map.set(kid, createPublicKey({ key: jwk, format: 'jwk' }));
        } catch {
          // A key we cannot use is skipped, like an identity provider's unsupported key types.
        }
      }
      cachedKeys = map;
    }
    return cachedKeys;
  }

  return {
    async verify(bearerToken: string): Promise<VerifiedPrincipal> {
      const parts = (bearerToken ?? '').split('.');
      if (parts.length !== 3 || parts.some((p) => !p)) {
        throw new TokenVerificationError('malformed', 'The access token is not a JWT (expected three dot-separated parts).');
      }
      const [headerPart, payloadPart, signaturePart] = parts;
      const header = decodeJsonSegment(headerPart, 'header');
      const claims = decodeJsonSegment(payloadPart, 'payload');
      if (header.alg !== 'RS256') {
        throw new TokenVerificationError('malformed', `The access token uses algorithm '${String(header.alg)}'; only RS256 is accepted.`);
      }
      const kid = optionalString(header.kid) ?? '';
      let key = (await keysById(false)).get(kid);
      if (!key) {
        // Keys rotate: look again once before rejecting.
        key = (await keysById(true)).get(kid);
      }
      if (!key) {
        throw new TokenVerificationError('unknownKey', `The access token was signed with an unknown key (kid '${kid}').`);
      }
      const signedData = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
      const signature = Buffer.from(signaturePart, 'base64url');
      if (!verifySignature('RSA-SHA256', signedData, key, signature)) {
        throw new TokenVerificationError('badSignature', 'The access token signature is invalid.');
      }
      const now = Math.floor(Date.now() / 1000);
      const exp = claims.exp;
      if (typeof exp !== 'number') {
        throw new TokenVerificationError('malformed', "The access token has no 'exp' claim.");
      }
      if (now > exp + CLOCK_SKEW_SECONDS) {
        throw new TokenVerificationError('expired', `The access token expired at ${new Date(exp * 1000).toISOString()}.`);
      }
      if (typeof claims.nbf === 'number' && now < claims.nbf - CLOCK_SKEW_SECONDS) {
        throw new TokenVerificationError('notYetValid', `The access token is not valid before ${new Date(claims.nbf * 1000).toISOString()}.`);
      }
      const audience = Array.isArray(claims.aud) ? optionalString(claims.aud[0]) : optionalString(claims.aud);
      const objectId = optionalString(claims.oid) ?? optionalString(claims.sub);
      const tenantId = optionalString(claims.tid);
      if (!audience || !objectId || !tenantId) {
        throw new TokenVerificationError('malformed', "The access token lacks one of the claims 'aud', 'oid' and 'tid'.");
      }
      return {
        audience,
        upn: optionalString(claims.upn) ?? optionalString(claims.preferred_username) ?? optionalString(claims.unique_name),
        objectId,
        tenantId,
        appId: optionalString(claims.appid) ?? optionalString(claims.azp),
        expiresAt: new Date(exp * 1000),
      };
    },
  };
}
