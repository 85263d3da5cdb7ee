// Authorization codes (with PKCE) between the authorize page and the token endpoint. Codes are single use,
// short lived, kept only as hashes, and bound to the client, the redirect URI and the PKCE challenge.

import { createHash, randomBytes } from 'node:crypto';
import { AadError } from './aadError';
import type { LocalUser, ResolvedTenant } from './directory';
import type { RequestedScopes } from './scopes';

export interface AuthorizationRequest {
  readonly clientId: string;
  readonly tenant: ResolvedTenant;
  readonly redirectUri: string;
  readonly scopes: RequestedScopes;
  readonly codeChallenge: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly responseMode: 'form_post' | 'query';
  readonly clientInfo: boolean;
}

interface IssuedCode {
  readonly request: AuthorizationRequest;
  readonly user: LocalUser;
  readonly expiresAt: number;
  redeemed: boolean;
}

/** Azure AD authorization codes live about ten minutes. */
const CODE_LIFETIME_MS = 10 * 60 * 1000;
const PENDING_LIFETIME_MS = 30 * 60 * 1000;

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The S256 PKCE challenge of a verifier (RFC 7636). */
export function s256Challenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

export class AuthorizationCodeStore {
  /** Requests waiting for a person to choose an account, by an id the page posts back. */
  private readonly pendingRequests = new Map<string, { request: AuthorizationRequest; expiresAt: number }>();
  private readonly codes = new Map<string, IssuedCode>();

  holdRequest(request: AuthorizationRequest): string {
    this.prune();
    const id = randomBytes(18).toString('base64url');
    this.pendingRequests.set(id, { request, expiresAt: Date.now() + PENDING_LIFETIME_MS });
    return id;
  }

  /** Takes a held request back (once): the page's Approve or Deny ends it. */
  takeRequest(id: string): AuthorizationRequest | undefined {
    const held = this.pendingRequests.get(id);
    this.pendingRequests.delete(id);
    return held && held.expiresAt > Date.now() ? held.request : undefined;
  }

  issue(request: AuthorizationRequest, user: LocalUser): string {
    this.prune();
    const code = `0.LOCAL-CODE.${randomBytes(32).toString('base64url')}`;
    this.codes.set(hash(code), { request, user, expiresAt: Date.now() + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  redeem(code: string, clientId: string, redirectUri: string | null, codeVerifier: string | null): { request: AuthorizationRequest; user: LocalUser } {
    const issued = this.codes.get(hash(code));
    if (!issued) {
      throw new AadError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed: the authorization code is unknown.');
    }
    if (issued.redeemed) {
      throw new AadError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (Date.now() >= issued.expiresAt) {
      throw new AadError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (issued.request.clientId !== clientId) {
      throw new AadError(400, 'invalid_grant', 70000, `Provided grant is invalid or malformed: the authorization code was issued to a different client than '${clientId}'.`);
    }
    if (redirectUri !== issued.request.redirectUri) {
      throw new AadError(400, 'invalid_grant', 50148, 'The redirect_uri does not match the redirect URI used to obtain the authorization code.');
    }
    if (!codeVerifier) {
      throw new AadError(400, 'invalid_grant', 50148, "The code_verifier is missing; it is required because the authorize request sent a code_challenge (PKCE).");
    }
    if (s256Challenge(codeVerifier) !== issued.request.codeChallenge) {
      throw new AadError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    issued.redeemed = true;
    return { request: issued.request, user: issued.user };
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, held] of this.pendingRequests) {
      if (held.expiresAt <= now) {
        this.pendingRequests.delete(id);
      }
    }
    for (const [codeHash, issued] of this.codes) {
      if (issued.expiresAt + CODE_LIFETIME_MS <= now) {
        this.codes.delete(codeHash);
      }
    }
  }
}
