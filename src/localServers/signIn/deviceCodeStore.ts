// Device authorization grants (RFC 8628) between "device code issued" and "tokens redeemed".
// Only a hash of each device_code is kept, so the secret the client polls with exists nowhere on the server.

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AadError } from './aadError';
import type { LocalUser, ResolvedTenant } from './directory';
import type { RequestedScopes } from './scopes';

type GrantState = 'pending' | 'approved' | 'denied' | 'redeemed';

export interface DeviceCodeGrant {
  readonly userCode: string;
  readonly clientId: string;
  readonly tenant: ResolvedTenant;
  readonly scopeParameter: string;
  readonly scopes: RequestedScopes;
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly intervalSeconds: number;
  state: GrantState;
  approvedUser?: LocalUser;
  lastPollAt?: number;
}

export interface PendingDeviceCode {
  readonly userCode: string;
  readonly scope: string;
  readonly expiresAt: Date;
}

// No vowels (no accidental words) and no 0/O/1/I look-alikes: easy to read aloud and type.
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789';
const USER_CODE_LENGTH = 9;
/** Polls closer together than this share of the interval count as too fast (timers fire a little early). */
const SLOW_DOWN_TOLERANCE = 0.8;
/** Expired grants are remembered this long so a late poll hears expired_token, not bad_verification_code. */
const EXPIRED_RETENTION_MS = 10 * 60 * 1000;

function hashDeviceCode(deviceCode: string): string {
  return createHash('sha256').update(deviceCode).digest('hex');
}

/** Approving or denying a code failed; `httpStatus` is what the control endpoint answers with. */
export class DeviceCodeDecisionError extends Error {
  constructor(message: string, readonly httpStatus: 404 | 409) {
    super(message);
    this.name = 'DeviceCodeDecisionError';
  }
}

/** Upper case without spaces or dashes, so "abcd-efgh j" matches "ABCDEFGHJ". */
export function normaliseUserCode(userCode: string): string {
  return userCode.replace(/[\s-]/g, '').toUpperCase();
}

export class DeviceCodeStore {
  private readonly grantsByHash = new Map<string, DeviceCodeGrant>();
  private readonly hashesByUserCode = new Map<string, string>();

  issue(request: {
    clientId: string;
    tenant: ResolvedTenant;
    scopeParameter: string;
    scopes: RequestedScopes;
    lifetimeSeconds: number;
    intervalSeconds: number;
  }): { deviceCode: string; grant: DeviceCodeGrant } {
    this.prune();
    const deviceCode = randomBytes(48).toString('base64url');
    let userCode: string;
    do {
      userCode = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
    } while (this.hashesByUserCode.has(userCode));
    const now = Date.now();
    const grant: DeviceCodeGrant = {
      userCode,
      clientId: request.clientId,
      tenant: request.tenant,
      scopeParameter: request.scopeParameter,
      scopes: request.scopes,
      issuedAt: now,
      expiresAt: now + request.lifetimeSeconds * 1000,
      intervalSeconds: request.intervalSeconds,
      state: 'pending',
    };
    const hash = hashDeviceCode(deviceCode);
    this.grantsByHash.set(hash, grant);
    this.hashesByUserCode.set(userCode, hash);
    return { deviceCode, grant };
  }

  approve(userCode: string, user: LocalUser): DeviceCodeGrant {
    const grant = this.decidable(userCode);
    grant.state = 'approved';
    grant.approvedUser = user;
    return grant;
  }

  deny(userCode: string): DeviceCodeGrant {
    const grant = this.decidable(userCode);
    grant.state = 'denied';
    return grant;
  }

  pending(): PendingDeviceCode[] {
    this.prune();
    const now = Date.now();
    return [...this.grantsByHash.values()]
      .filter((grant) => grant.state === 'pending' && grant.expiresAt > now)
      .map((grant) => ({ userCode: grant.userCode, scope: grant.scopeParameter, expiresAt: new Date(grant.expiresAt) }));
  }

  /** One poll of the token endpoint: returns the approved grant (once) or throws the RFC 8628 error to answer. */
  redeem(deviceCode: string, clientId: string): DeviceCodeGrant {
    const grant = this.grantsByHash.get(hashDeviceCode(deviceCode));
    if (!grant) {
      throw new AadError(400, 'bad_verification_code', 70019, 'The device_code is not recognised. Start a new sign-in to get a new code.');
    }
    if (grant.clientId !== clientId) {
      throw new AadError(400, 'invalid_grant', 70000, `The device_code was issued to a different client than '${clientId}'.`);
    }
    const now = Date.now();
    if (grant.state === 'redeemed') {
      throw new AadError(400, 'invalid_grant', 54005, 'The device_code was already redeemed; it can be used only once.');
    }
    if (now >= grant.expiresAt) {
      throw new AadError(400, 'expired_token', 70020, 'The provided value for the input parameter \'device_code\' is not valid. This device code has expired.');
    }
    if (grant.state === 'denied') {
      throw new AadError(400, 'access_denied', 65004, 'User declined to consent to access the app.');
    }
    if (grant.state === 'pending') {
      const previousPoll = grant.lastPollAt;
      grant.lastPollAt = now;
      if (previousPoll !== undefined && now - previousPoll < grant.intervalSeconds * 1000 * SLOW_DOWN_TOLERANCE) {
        throw new AadError(400, 'slow_down', 70016, `OAuth 2.0 device flow error. Polling too fast; wait at least ${grant.intervalSeconds} seconds between requests.`);
      }
      throw new AadError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
    }
    grant.state = 'redeemed';
    return grant;
  }

  private decidable(userCode: string): DeviceCodeGrant {
    const normalised = normaliseUserCode(userCode);
    const hash = this.hashesByUserCode.get(normalised);
    const grant = hash ? this.grantsByHash.get(hash) : undefined;
    if (!grant) {
      throw new DeviceCodeDecisionError(`No sign-in is waiting for the code "${normalised}". Check the code shown by the application.`, 404);
    }
    if (grant.expiresAt <= Date.now()) {
      throw new DeviceCodeDecisionError(`The code "${normalised}" has expired. Start the sign-in again in the application.`, 409);
    }
    if (grant.state !== 'pending') {
      throw new DeviceCodeDecisionError(`The code "${normalised}" was already ${grant.state === 'denied' ? 'denied' : 'approved'}.`, 409);
    }
    return grant;
  }

  private prune(): void {
    const cutoff = Date.now() - EXPIRED_RETENTION_MS;
    for (const [hash, grant] of this.grantsByHash) {
      if (grant.expiresAt < cutoff) {
        this.grantsByHash.delete(hash);
        this.hashesByUserCode.delete(grant.userCode);
      }
    }
  }
}
