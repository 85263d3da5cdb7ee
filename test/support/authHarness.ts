// Test doubles for the auth core that behave like the real thing: an in-memory SecretStore with change events
// (like VS Code's SecretStorage, including changes from "another window") and a log that keeps every line.

import type { SecretStore, SecretStoreChange, SecretStoreSubscription } from '../../src/core/auth/secretStore';
import type { AuthLog } from '../../src/core/auth/authTypes';

export class InMemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  private readonly listeners = new Set<(change: SecretStoreChange) => unknown>();
  writes = 0;

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.writes++;
    this.values.set(key, value);
    this.emit(key);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
    this.emit(key);
  }

  onDidChange(listener: (change: SecretStoreChange) => unknown): SecretStoreSubscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** What another VS Code window sharing this secret storage would do. */
  async writeFromOtherWindow(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) {
      this.values.delete(key);
    } else {
      this.values.set(key, value);
    }
    this.emit(key);
  }

  peek(key: string): string | undefined {
    return this.values.get(key);
  }

  allText(): string {
    return [...this.values.values()].join('\n');
  }

  private emit(key: string): void {
    // SecretStorage fires asynchronously.
    setImmediate(() => {
      for (const listener of this.listeners) {
        listener({ key });
      }
    });
  }
}

export class CapturedLog implements AuthLog {
  readonly lines: { level: string; message: string }[] = [];

  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }

  text(): string {
    return this.lines.map((l) => `${l.level}: ${l.message}`).join('\n');
  }
}

/** A JWT-looking string: three base64url parts, the first starting with `eyJ` (a JSON object). */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/;

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new Error(`not a JWT: ${parts.length} parts`);
  }
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) {
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        reject(new Error(`timed out waiting for ${what}`));
      } else {
        setTimeout(check, 20);
      }
    };
    check();
  });
}

export interface FixtureUser {
  readonly oid: string;
  readonly tid: string;
  readonly upn: string;
  /** Cluster scopes the user holds access tokens for, with seconds to expiry. */
  readonly scopes: ReadonlyArray<{ readonly scope: string; readonly expiresInSeconds: number }>;
}

/**
 * A serialised MSAL cache as msal-node writes it, for unit tests that need stored accounts without a server.
 * Secrets are placeholders (not JWTs) so tests can still assert that no JWT ever appears.
 */
export function serializedCacheFixture(clientId: string, environment: string, users: readonly FixtureUser[]): string {
  const cache = { Account: {} as Record<string, unknown>, IdToken: {}, AccessToken: {} as Record<string, unknown>, RefreshToken: {} as Record<string, unknown>, AppMetadata: {} };
  const now = Math.floor(Date.now() / 1000);
  for (const user of users) {
    const home = `${user.oid}.${user.tid}`;
    cache.Account[`${home}-${environment}-${user.tid}`] = {
      home_account_id: home,
      environment,
      realm: user.tid,
      local_account_id: user.oid,
      username: user.upn,
      authority_type: 'MSSTS',
      name: user.upn,
    };
    cache.RefreshToken[`${home}-${environment}-refreshtoken-${clientId}--`] = {
      home_account_id: home,
      environment,
      credential_type: 'RefreshToken',
      client_id: clientId,
      secret: `placeholder-refresh-${user.oid}`,
    };
    for (const { scope, expiresInSeconds } of user.scopes) {
      cache.AccessToken[`${home}-${environment}-accesstoken-${clientId}-${user.tid}-${scope}--`] = {
        home_account_id: home,
        environment,
        credential_type: 'AccessToken',
        client_id: clientId,
        secret: `placeholder-access-${user.oid}`,
        realm: user.tid,
        target: scope,
        cached_at: String(now),
        expires_on: String(now + expiresInSeconds),
        extended_expires_on: String(now + expiresInSeconds),
        token_type: 'Bearer',
      };
    }
  }
  return JSON.stringify(cache);
}
