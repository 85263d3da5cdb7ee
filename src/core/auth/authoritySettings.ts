// Sign-in settings (kusto.signIn.*) turned into what MSAL needs, with errors that name the setting to fix.

import type { SignInMethod } from './signInMethods';
import { loginEndpointForCluster } from './sovereignClouds';

export interface SignInSettings {
  /** kusto.signIn.authorityHost, e.g. https://login.microsoftonline.com */
  readonly authorityHost: string;
  /** kusto.signIn.tenant: organizations, common, a tenant id or a domain. */
  readonly tenant: string;
  /** kusto.signIn.clientId */
  readonly clientId: string;
  /** kusto.signIn.method: how "Sign In" signs in when a cluster names no way of its own (default device code). */
  readonly method?: SignInMethod;
}

/** What one sign-in or token request adds to the settings: the cluster (its cloud) and a tenant of its own. */
export interface AuthorityTarget {
  /** The cluster the token is for; a cluster in a sovereign cloud signs in at that cloud's login endpoint. */
  readonly clusterUrl?: string;
  /** A tenant for this cluster or account (a cluster entry's `tenant`, or the one chosen at sign-in). */
  readonly tenant?: string;
  /** The login host an account was signed in at (kept with the account), overriding the inferred one. */
  readonly authorityHost?: string;
}

export const DEFAULT_SIGN_IN_SETTINGS: SignInSettings = {
  authorityHost: 'https://login.microsoftonline.com',
  tenant: 'organizations',
  clientId: 'db662dc1-0cfe-4e1c-a843-19a68e65be58',
};

export interface ResolvedAuthority {
  readonly clientId: string;
  /** e.g. https://login.microsoftonline.com/organizations */
  readonly authority: string;
  /** host[:port] of the authority */
  readonly authorityHost: string;
  /**
   * Set for hosts that are not Microsoft's well-known clouds: MSAL then trusts the host as is instead of asking
   * Microsoft's instance discovery endpoint about it (how a local sign-in server works).
   */
  readonly knownAuthorities: readonly string[];
  /** Identifies one PublicClientApplication: one per (client id, authority). */
  readonly key: string;
}

export class SignInSettingsError extends Error {
  constructor(readonly setting: string, message: string) {
    super(message);
    this.name = 'SignInSettingsError';
  }
}

const WELL_KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

export function resolveAuthority(settings: SignInSettings, target: AuthorityTarget = {}): ResolvedAuthority {
  const configuredHost = (settings.authorityHost ?? '').trim() || DEFAULT_SIGN_IN_SETTINGS.authorityHost;
  const hostText = target.authorityHost?.trim() || (target.clusterUrl ? loginEndpointForCluster(target.clusterUrl, configuredHost) : configuredHost);
  let url: URL;
  try {
    url = new URL(hostText);
  } catch {
    throw new SignInSettingsError(
      'kusto.signIn.authorityHost',
      `The setting kusto.signIn.authorityHost ("${hostText}") is not a URL. Use e.g. https://login.microsoftonline.com.`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new SignInSettingsError(
      'kusto.signIn.authorityHost',
      `The setting kusto.signIn.authorityHost must use https:// (it is "${hostText}"): sign-in traffic must be encrypted.`,
    );
  }
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash || url.username || url.password) {
    throw new SignInSettingsError(
      'kusto.signIn.authorityHost',
      `The setting kusto.signIn.authorityHost must be only scheme and host (e.g. https://login.microsoftonline.com), not "${hostText}". Put the tenant in kusto.signIn.tenant.`,
    );
  }
  const tenant = target.tenant?.trim() || (settings.tenant ?? '').trim() || DEFAULT_SIGN_IN_SETTINGS.tenant;
  if (target.tenant?.trim() && !TENANT.test(tenant)) {
    throw new SignInSettingsError(
      'kusto.clusters',
      `The tenant "${tenant}" chosen for this cluster must be organizations, common, a tenant id or a domain such as contoso.onmicrosoft.com.`,
    );
  }
  if (!TENANT.test(tenant)) {
    throw new SignInSettingsError(
      'kusto.signIn.tenant',
      `The setting kusto.signIn.tenant ("${tenant}") must be organizations, common, a tenant id or a domain such as contoso.onmicrosoft.com.`,
    );
  }
  const clientId = (settings.clientId ?? '').trim() || DEFAULT_SIGN_IN_SETTINGS.clientId;
  if (!GUID.test(clientId)) {
    throw new SignInSettingsError(
      'kusto.signIn.clientId',
      `The setting kusto.signIn.clientId ("${clientId}") must be an application id (a GUID such as ${DEFAULT_SIGN_IN_SETTINGS.clientId}).`,
    );
  }
  const host = url.host.toLowerCase();
  const authority = `https://${host}/${tenant}`;
  const knownAuthorities = WELL_KNOWN_AUTHORITY_HOSTS.has(url.hostname.toLowerCase()) ? [] : [host];
  return { clientId: clientId.toLowerCase(), authority, authorityHost: host, knownAuthorities, key: `${clientId.toLowerCase()}|${authority.toLowerCase()}` };
}

/** True when a tenant value names a tenant-independent authority (not one directory). */
export function isTenantAlias(tenant: string): boolean {
  return /^(organizations|common|consumers)$/i.test(tenant.trim());
}
