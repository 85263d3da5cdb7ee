// Which Microsoft cloud a cluster lives in, from its host name, and which login endpoint signs users in there.
// Host suffixes follow azure-kusto-data's list of well-known Kusto endpoints per cloud.

import { MONITOR_PROXY_HOSTS } from '../monitorProxy';

export type CloudId = 'public' | 'usGovernment' | 'china';

export interface KnownCloud {
  readonly id: CloudId;
  readonly displayName: string;
  /** Login endpoint (authority host) of the cloud, scheme and host only. */
  readonly loginEndpoint: string;
  /** Host names (lower case) of the cloud's login service that MSAL treats as the same cache environment. */
  readonly loginHosts: readonly string[];
  /** Host name suffixes (with a leading dot) of Kusto clusters in this cloud. */
  readonly kustoHostSuffixes: readonly string[];
}

export const KNOWN_CLOUDS: readonly KnownCloud[] = [
  {
    id: 'public',
    displayName: 'Azure public cloud',
    loginEndpoint: 'https://login.microsoftonline.com',
    loginHosts: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
    kustoHostSuffixes: [
      '.kusto.windows.net',
      '.kustomfa.windows.net',
      '.kustodev.windows.net',
      '.kusto.azuresynapse.net',
      '.kusto.data.microsoft.com',
      '.kusto.fabric.microsoft.com',
    ],
  },
  {
    id: 'usGovernment',
    displayName: 'Azure US Government',
    loginEndpoint: 'https://login.microsoftonline.us',
    loginHosts: ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
    kustoHostSuffixes: ['.kusto.usgovcloudapi.net', '.kustomfa.usgovcloudapi.net'],
  },
  {
    id: 'china',
    displayName: 'Azure China (21Vianet)',
    loginEndpoint: 'https://login.chinacloudapi.cn',
    loginHosts: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'],
    kustoHostSuffixes: ['.kusto.chinacloudapi.cn', '.kustomfa.chinacloudapi.cn', '.kusto.azuresynapse.azure.cn'],
  },
];

function hostOf(urlOrHost: string): string {
  const text = urlOrHost.trim().toLowerCase();
  try {
    return new URL(text.includes('://') ? text : `https://${text}`).hostname;
  } catch {
    return text;
  }
}

/** The cloud whose Kusto host suffix the cluster's host ends with; undefined for private or local hosts. */
export function cloudOfCluster(clusterUrlOrHost: string): KnownCloud | undefined {
  const host = hostOf(clusterUrlOrHost);
  // Azure Monitor's proxy hosts (ade.loganalytics.io, adx.monitor.azure.us, ...) have fixed names per cloud.
  const proxyCloud = MONITOR_PROXY_HOSTS.get(host)?.cloud;
  if (proxyCloud) {
    return KNOWN_CLOUDS.find((cloud) => cloud.id === proxyCloud);
  }
  return KNOWN_CLOUDS.find((cloud) => cloud.kustoHostSuffixes.some((suffix) => host.endsWith(suffix)));
}

/** The cloud a login host (e.g. an MSAL account's `environment`) belongs to. */
export function cloudOfLoginHost(loginUrlOrHost: string): KnownCloud | undefined {
  const host = hostOf(loginUrlOrHost);
  return KNOWN_CLOUDS.find((cloud) => cloud.loginHosts.includes(host));
}

/** True when two login hosts issue tokens of the same cloud (aliases count as the same), or are the same host. */
export function isSameLoginCloud(a: string, b: string): boolean {
  const cloudA = cloudOfLoginHost(a);
  const cloudB = cloudOfLoginHost(b);
  if (cloudA || cloudB) {
    return cloudA?.id === cloudB?.id;
  }
  return stripDefaultPort(a) === stripDefaultPort(b);
}

function stripDefaultPort(urlOrHost: string): string {
  const text = urlOrHost.trim().toLowerCase().replace(/^https:\/\//, '').replace(/\/+$/, '');
  return text.endsWith(':443') ? text.slice(0, -4) : text;
}

/**
 * The login endpoint that signs in to a cluster. A custom authority host (not a Microsoft cloud, e.g. a local
 * sign-in server or a proxy) is always used as configured; otherwise a cluster in a sovereign cloud uses that
 * cloud's login endpoint even when the setting names another cloud, so that clusters of any cloud work side by side.
 */
export function loginEndpointForCluster(clusterUrl: string, configuredAuthorityHost: string): string {
  if (!cloudOfLoginHost(configuredAuthorityHost)) {
    return configuredAuthorityHost;
  }
  return cloudOfCluster(clusterUrl)?.loginEndpoint ?? configuredAuthorityHost;
}
