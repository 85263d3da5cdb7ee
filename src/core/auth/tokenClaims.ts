// Reading an access token's claims for diagnosis ("Inspect token") and for checking that a token is meant for the
// cluster it is sent to. Only claim values leave this module, never the token or its signature.

import { parseClusterUrl } from '../clusterUrl';
import { signInMethodLabel, type SignInMethod } from './signInMethods';

/** The claims that explain who a token is for and what it allows; no token text. */
export interface TokenClaimsSummary {
  readonly audience?: string;
  readonly tenantId?: string;
  readonly issuer?: string;
  /** The signed-in person (upn / preferred_username / unique_name), absent for app tokens. */
  readonly account?: string;
  readonly displayName?: string;
  readonly objectId?: string;
  /** The application (client) id the token was issued to. */
  readonly appId?: string;
  /** `user` or `app` (Azure AD's idtyp claim, or guessed from the presence of scp). */
  readonly identityType?: string;
  /** Delegated permissions (scp), for user tokens. */
  readonly scopes: readonly string[];
  /** App roles (roles), for app tokens. */
  readonly roles: readonly string[];
  readonly issuedAt?: Date;
  readonly notBefore?: Date;
  readonly expiresOn?: Date;
  readonly signInMethod?: SignInMethod;
}

export class TokenAudienceError extends Error {
  constructor(readonly clusterUrl: string, readonly audience: string, message: string) {
    super(message);
    this.name = 'TokenAudienceError';
  }
}

/** The payload of a JWT as an object; throws a message without token text when it is not a readable JWT. */
export function decodeTokenClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) {
    throw new Error('The access token is not a JSON Web Token, so its claims cannot be shown.');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new Error('The access token has a payload that is not JSON, so its claims cannot be shown.');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error('The access token has a payload that is not a JSON object, so its claims cannot be shown.');
  }
  return payload as Record<string, unknown>;
}

export function summarizeTokenClaims(token: string, signInMethod?: SignInMethod): TokenClaimsSummary {
  const claims = decodeTokenClaims(token);
  const text = (name: string): string | undefined => {
    const value = claims[name];
    return typeof value === 'string' && value ? value : undefined;
  };
  const time = (name: string): Date | undefined => {
    const value = claims[name];
    return typeof value === 'number' && Number.isFinite(value) ? new Date(value * 1000) : undefined;
  };
  const audience = Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string').join(', ') : text('aud');
  const scopes = (text('scp') ?? '').split(/\s+/).filter(Boolean);
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  return {
    audience,
    tenantId: text('tid'),
    issuer: text('iss'),
    account: text('upn') ?? text('preferred_username') ?? text('unique_name') ?? text('email'),
    displayName: text('name'),
    objectId: text('oid'),
    appId: text('appid') ?? text('azp'),
    identityType: text('idtyp') ?? (scopes.length ? 'user' : roles.length ? 'app' : undefined),
    scopes,
    roles,
    issuedAt: time('iat'),
    notBefore: time('nbf'),
    expiresOn: time('exp'),
    signInMethod,
  };
}

/** A Markdown report of the claims, for a read-only document. Never includes the token. */
export function formatTokenClaims(summary: TokenClaimsSummary, clusterUrl: string, now: Date = new Date()): string {
  const row = (name: string, value: string | undefined): string => `| ${name} | ${value ? escapeCell(value) : '—'} |`;
  const when = (date: Date | undefined): string | undefined => (date ? date.toISOString() : undefined);
  const expiry = summary.expiresOn
    ? `${summary.expiresOn.toISOString()} (${summary.expiresOn.getTime() <= now.getTime() ? 'expired' : `in ${Math.round((summary.expiresOn.getTime() - now.getTime()) / 60_000)} min`})`
    : undefined;
  return [
    `# Access token for ${clusterUrl}`,
    '',
    'The claims that matter for diagnosing sign-in problems. The token itself and its signature are not shown.',
    '',
    '| Claim | Value |',
    '|---|---|',
    row('Audience (aud)', summary.audience),
    row('Tenant (tid)', summary.tenantId),
    row('Issuer (iss)', summary.issuer),
    row('Account', summary.account),
    row('Name', summary.displayName),
    row('Object id (oid)', summary.objectId),
    row('Application id (appid)', summary.appId),
    row('Identity type', summary.identityType),
    row('Scopes (scp)', summary.scopes.join(' ')),
    row('Roles', summary.roles.join(', ')),
    row('Issued (iat)', when(summary.issuedAt)),
    row('Not before (nbf)', when(summary.notBefore)),
    row('Expires (exp)', expiry),
    row('Sign-in way', summary.signInMethod ? signInMethodLabel(summary.signInMethod) : undefined),
    '',
  ].join('\n');
}

function escapeCell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/**
 * Throws TokenAudienceError when a token is clearly meant for another resource than `clusterUrl`, so it is never
 * sent there and the user learns why instead of seeing a bare 401. Opaque tokens and GUID audiences pass.
 */
export function assertTokenAudience(token: string, clusterUrl: string, source: string): void {
  let audience: string | undefined;
  try {
    const claims = decodeTokenClaims(token);
    audience = typeof claims.aud === 'string' ? claims.aud : undefined;
  } catch {
    return;
  }
  if (!audience || !/^https?:\/\//i.test(audience)) {
    return;
  }
  const cluster = parseClusterUrl(clusterUrl);
  let audienceHost: string | undefined;
  try {
    audienceHost = parseClusterUrl(audience.replace(/\/+$/, '').replace(/\/\.default$/, '')).url;
  } catch {
    audienceHost = undefined;
  }
  // A Monitor proxy endpoint's audience is its cloud's Kusto service, not its own URL (clusterUrl.ts).
  if (audienceHost === cluster.resource) {
    return;
  }
  throw new TokenAudienceError(
    cluster.url,
    audience,
    `${source} returned a token for "${audience}", not for ${cluster.resource}, so it was not sent (the cluster would refuse it with 401). ` +
      `Check that the cluster URL is the cluster's own address (as shown in the Azure portal) and sign in for that cluster again.`,
  );
}
