// Opaque refresh tokens, kept only as hashes. Like Azure AD, a refresh token is bound to one account and one
// client but not to a resource: the same token gets access tokens for any cluster.

import { createHash, randomBytes } from 'node:crypto';
import { AadError } from './aadError';

export interface RefreshTokenRecord {
  readonly upn: string;
  readonly clientId: string;
  readonly expiresAt: number;
}

/** Expired tokens are remembered a while so their use is answered "expired", not "unknown". */
const EXPIRED_RETENTION_MS = 24 * 3600 * 1000;

/** The suberror Azure AD adds when a refresh token is no longer usable; MSAL then asks for interaction. */
const BAD_TOKEN = 'bad_token';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class RefreshTokenStore {
  private readonly records = new Map<string, RefreshTokenRecord>();
  /** Revoked tokens (by hash) are remembered until they would have expired, to answer AADSTS50173. */
  private readonly revoked = new Map<string, RefreshTokenRecord>();

  issue(upn: string, clientId: string, lifetimeSeconds: number): string {
    this.prune();
    const token = `0.LOCAL.${randomBytes(48).toString('base64url')}`;
    this.records.set(hashToken(token), { upn, clientId, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  /**
   * Checks a presented refresh token. The old token stays usable until it expires (as in Azure AD), so two
   * clusters refreshing at the same moment with the same cached token do not knock each other out.
   */
  check(token: string, clientId: string): RefreshTokenRecord {
    const hash = hashToken(token);
    const revokedRecord = this.revoked.get(hash);
    if (revokedRecord) {
      throw new AadError(
        400,
        'invalid_grant',
        50173,
        `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued for '${revokedRecord.upn}'.`,
        BAD_TOKEN,
      );
    }
    const record = this.records.get(hash);
    if (!record) {
      throw new AadError(400, 'invalid_grant', 9002313, 'Invalid request. The refresh token is malformed or was not issued by this server; sign in again.', BAD_TOKEN);
    }
    if (Date.now() >= record.expiresAt) {
      throw new AadError(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity. Sign in again.', BAD_TOKEN);
    }
    if (record.clientId !== clientId) {
      throw new AadError(400, 'invalid_grant', 70000, `Provided grant is invalid or malformed: the refresh token was issued to a different client than '${clientId}'.`);
    }
    return record;
  }

  /** Revokes every refresh token of the account; returns how many were revoked. */
  revokeAll(upn: string): number {
    let count = 0;
    for (const [hash, record] of this.records) {
      if (record.upn.toLowerCase() === upn.toLowerCase()) {
        this.records.delete(hash);
        this.revoked.set(hash, record);
        count++;
      }
    }
    return count;
  }

  private prune(): void {
    const now = Date.now();
    for (const store of [this.records, this.revoked]) {
      for (const [hash, record] of store) {
        if (record.expiresAt + EXPIRED_RETENTION_MS <= now) {
          store.delete(hash);
        }
      }
    }
  }
}
