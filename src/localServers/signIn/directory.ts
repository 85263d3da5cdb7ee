// The local directory: users, the tenants they belong to and how an authority's tenant segment resolves.

import { AadError } from './aadError';

export interface LocalUser {
  readonly upn: string;
  readonly displayName: string;
  readonly objectId: string;
  readonly tenantId: string;
}

export const CONTOSO_TENANT_ID = '72f9a1c4-5b3e-4d2a-9c61-0a1b2c3d4e5f';
export const FABRIKAM_TENANT_ID = '4d8e2b17-9a6c-4f30-b5d2-6e7f8091a2b3';

export const DEFAULT_USERS: readonly LocalUser[] = [
  { upn: 'alice@contoso.com', displayName: 'Alice Example', objectId: '0b5e6f3a-91c2-4d7e-8a40-3f2c1d0e9b71', tenantId: CONTOSO_TENANT_ID },
  { upn: 'bob@fabrikam.com', displayName: 'Bob Example', objectId: '5c8d2e41-7a3b-4f96-b1e0-6d4c3b2a1f08', tenantId: FABRIKAM_TENANT_ID },
  { upn: 'carol@contoso.com', displayName: 'Carol Example', objectId: 'e3a7c9d1-2f4b-4a68-9e05-b7c6d5e4f321', tenantId: CONTOSO_TENANT_ID },
];

/** Tenant-independent authority segments, as in Azure AD. */
export type TenantAlias = 'organizations' | 'common' | 'consumers';

export type ResolvedTenant = { readonly kind: 'alias'; readonly alias: TenantAlias } | { readonly kind: 'tenant'; readonly tenantId: string };

export class LocalDirectory {
  private readonly usersByUpn = new Map<string, LocalUser>();
  /** Lower-case domain or tenant id → tenant id. */
  private readonly tenantNames = new Map<string, string>();

  constructor(users: readonly LocalUser[]) {
    if (users.length === 0) {
      throw new Error('The sign-in server needs at least one user.');
    }
    for (const user of users) {
      const upn = user.upn.trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(upn)) {
        throw new Error(`User "${user.upn}" has no valid user principal name (expected name@domain.tld).`);
      }
      if (!user.tenantId.trim() || !user.objectId.trim()) {
        throw new Error(`User "${user.upn}" needs a tenantId and an objectId.`);
      }
      if (this.usersByUpn.has(upn)) {
        throw new Error(`User "${user.upn}" is listed twice.`);
      }
      this.usersByUpn.set(upn, user);
      const tenantId = user.tenantId.toLowerCase();
      const domain = upn.slice(upn.indexOf('@') + 1);
      this.tenantNames.set(tenantId, user.tenantId);
      this.tenantNames.set(domain, user.tenantId);
      // Every Azure AD tenant also has an <name>.onmicrosoft.com domain.
      this.tenantNames.set(`${domain.split('.')[0]}.onmicrosoft.com`, user.tenantId);
    }
  }

  get users(): readonly LocalUser[] {
    return [...this.usersByUpn.values()];
  }

  findUser(upn: string): LocalUser | undefined {
    return this.usersByUpn.get(upn.trim().toLowerCase());
  }

  /** Resolves an authority path segment (organizations, a tenant id or a domain) or throws AADSTS90002. */
  resolveTenant(segment: string): ResolvedTenant {
    const lower = segment.toLowerCase();
    if (lower === 'organizations' || lower === 'common' || lower === 'consumers') {
      return { kind: 'alias', alias: lower };
    }
    const tenantId = this.tenantNames.get(lower);
    if (!tenantId) {
      throw new AadError(
        400,
        'invalid_tenant',
        90002,
        `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    return { kind: 'tenant', tenantId };
  }

  /** Throws AADSTS50020 when `user` may not sign in through the authority `tenant`. */
  assertUserCanSignIn(user: LocalUser, tenant: ResolvedTenant): void {
    if (tenant.kind === 'alias' && tenant.alias !== 'consumers') {
      return;
    }
    if (tenant.kind === 'tenant' && tenant.tenantId.toLowerCase() === user.tenantId.toLowerCase()) {
      return;
    }
    const where = tenant.kind === 'tenant' ? `tenant '${tenant.tenantId}'` : 'the Microsoft account (consumers) tenant';
    throw new AadError(
      400,
      'invalid_grant',
      50020,
      `User account '${user.upn}' from identity provider '${user.tenantId}' does not exist in ${where} and cannot access the application. The account needs to be added as an external user in the tenant first.`,
    );
  }
}
