// When a token is renewed. A fixed margin (MSAL's is 5 minutes) renews a token that lives 90 seconds (Conditional
// Access, some tenants) on every use; the margin here scales with the token's lifetime and is never more than a
// third of it, so a short token is used for two thirds of its life and renewed once.

import { decodeTokenClaims } from './tokenClaims';

/** The margin never exceeds this share of a token's lifetime. */
const MAX_MARGIN_SHARE = 1 / 3;

/** Seconds before expiry at which a token of `lifetimeMs` is renewed: `configuredSeconds`, at most a third of its life. */
export function refreshMarginSeconds(lifetimeMs: number | undefined, configuredSeconds: number): number {
  const configured = Math.max(0, configuredSeconds);
  if (lifetimeMs === undefined || !Number.isFinite(lifetimeMs) || lifetimeMs <= 0) {
    return configured;
  }
  return Math.min(configured, (lifetimeMs / 1000) * MAX_MARGIN_SHARE);
}

/** True when the token should be renewed before use: it expires within its (scaled) margin. */
export function isDueForRefresh(expiresOn: Date, lifetimeMs: number | undefined, configuredSeconds: number, now: number = Date.now()): boolean {
  return expiresOn.getTime() - now <= refreshMarginSeconds(lifetimeMs, configuredSeconds) * 1000;
}

/**
 * A token's lifetime: exp − iat from its claims when it is a JWT (Azure AD's are), else from when it was obtained
 * to when it expires. Undefined when neither is known.
 */
export function tokenLifetimeMs(accessToken: string, expiresOn: Date, obtainedAt?: number): number | undefined {
  try {
    const claims = decodeTokenClaims(accessToken);
    const issuedAt = typeof claims.iat === 'number' ? claims.iat : typeof claims.nbf === 'number' ? claims.nbf : undefined;
    const expires = typeof claims.exp === 'number' ? claims.exp : undefined;
    if (issuedAt !== undefined && expires !== undefined && expires > issuedAt) {
      return (expires - issuedAt) * 1000;
    }
  } catch {
    // not a JWT: fall back on when it was obtained
  }
  return obtainedAt !== undefined && expiresOn.getTime() > obtainedAt ? expiresOn.getTime() - obtainedAt : undefined;
}
