// What the auth layer remembers about how each identity signed in: per user account the way and the authority
// (host + tenant), the service principals set up (ids and certificate paths only), and whether Azure CLI is in
// use. No secrets: a service principal's secret has its own key in the secret store.

import type { SecretStore } from './secretStore';
import type { SignInMethod } from './signInMethods';
import { isSignInMethod } from './signInMethods';
import type { ServicePrincipalProfile } from './servicePrincipalCredential';

export interface UserSignInRecord {
  readonly method: SignInMethod;
  /** Authority host (scheme + host) the account signed in at. */
  readonly authorityHost: string;
  /** Tenant segment of the authority (organizations, a tenant id or a domain). */
  readonly tenant: string;
}

export interface SignInProfilesData {
  readonly users: Readonly<Record<string, UserSignInRecord>>;
  readonly servicePrincipals: readonly ServicePrincipalProfile[];
  /** Set while Azure CLI is one of the signed-in identities. */
  readonly azureCli?: { readonly tenant?: string };
}

export const SIGN_IN_PROFILES_KEY = 'kusto.signInProfiles';

const EMPTY: SignInProfilesData = { users: {}, servicePrincipals: [] };

/** Kept in the secret store (shared by every window, like the token cache); read fresh on each use. */
export class SignInProfiles {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: SecretStore) {}

  async read(): Promise<SignInProfilesData> {
    const text = await this.store.get(SIGN_IN_PROFILES_KEY);
    if (!text) {
      return EMPTY;
    }
    try {
      return sanitize(JSON.parse(text));
    } catch {
      return EMPTY;
    }
  }

  /** Read-modify-write, one at a time. */
  update(change: (data: SignInProfilesData) => SignInProfilesData): Promise<void> {
    const next = this.writes.then(async () => {
      const updated = change(await this.read());
      await this.store.store(SIGN_IN_PROFILES_KEY, JSON.stringify(updated));
    });
    this.writes = next.catch(() => undefined);
    return next;
  }

  clear(): Promise<void> {
    const next = this.writes.then(() => this.store.delete(SIGN_IN_PROFILES_KEY));
    this.writes = next.catch(() => undefined);
    return Promise.resolve(next);
  }
}

function sanitize(value: unknown): SignInProfilesData {
  const data = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const users: Record<string, UserSignInRecord> = {};
  for (const [id, record] of Object.entries((data.users && typeof data.users === 'object' ? data.users : {}) as Record<string, unknown>)) {
    const r = (record ?? {}) as Record<string, unknown>;
    if (isSignInMethod(r.method) && typeof r.authorityHost === 'string' && typeof r.tenant === 'string') {
      users[id] = { method: r.method, authorityHost: r.authorityHost, tenant: r.tenant };
    }
  }
  const servicePrincipals = (Array.isArray(data.servicePrincipals) ? data.servicePrincipals : [])
    .filter((p): p is Record<string, unknown> => !!p && typeof p === 'object')
    .filter((p) => typeof p.clientId === 'string' && typeof p.tenantId === 'string')
    .map((p) => ({
      clientId: p.clientId as string,
      tenantId: p.tenantId as string,
      authorityHost: typeof p.authorityHost === 'string' ? p.authorityHost : undefined,
      certificatePath: typeof p.certificatePath === 'string' ? p.certificatePath : undefined,
    }));
  const cli = data.azureCli && typeof data.azureCli === 'object' ? (data.azureCli as Record<string, unknown>) : undefined;
  return { users, servicePrincipals, azureCli: cli ? { tenant: typeof cli.tenant === 'string' ? cli.tenant : undefined } : undefined };
}
