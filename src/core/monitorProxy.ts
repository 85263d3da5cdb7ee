// Azure Monitor (Log Analytics workspaces, Application Insights apps) queried as Kusto clusters through Azure Data
// Explorer's proxy. What this follows, and where it was read:
// - URL forms: MicrosoftDocs/dataexplorer-docs `data-explorer/query-monitor-data.md` ("Query data in Azure Monitor
//   using Azure Data Explorer"): `https://ade.loganalytics.io/subscriptions/<sub>/resourcegroups/<rg>/providers/
//   microsoft.operationalinsights/workspaces/<workspace>`, `https://ade.applicationinsights.io/subscriptions/<sub>/
//   resourcegroups/<rg>/providers/microsoft.insights/components/<app>`, the same on `adx.monitor.azure.com`, and
//   shorter forms naming every workspace/app of a subscription or resource group. Azure Government
//   `adx.monitor.azure.us`, Azure China `adx.monitor.azure.cn`. The proxy's database is named like the
//   workspace/app (case-sensitive; characters outside KQL's entity-name rules become "-"). Of management commands
//   the proxy documents `.show functions`, `.show function X` and `.show database X schema as json`.
// - Proxy host names per cloud: azure-kusto-node `wellKnownKustoEndpoints.json` (AllowedKustoHostnames).
// - Token audience: the official SDK (azure-kusto-data `tokenProvider.ts` + `cloudSettings.ts`) asks
//   `<scheme>://<host>/v1/rest/auth/metadata` of the host alone and mints `<KustoServiceResourceId>/.default`,
//   falling back to the public cloud's `https://kusto.kusto.windows.net` where a proxy has no metadata endpoint;
//   Grafana's ADX data source uses `https://kusto.kusto.windows.net/.default` (public),
//   `https://kusto.kusto.chinacloudapi.cn/.default` (China) and `https://kusto.kusto.usgovcloudapi.net/.default`
//   (US Government); microsoft/vscode-ext-kusto#116 reports `https://kusto.kusto.windows.net/.default` as the
//   scope `ade.applicationinsights.io` accepts. So a proxy endpoint's token is minted for its cloud's Kusto
//   service resource, never for the proxy URL. That token is sent only to the endpoint the user added.

export type MonitorProxyKind = 'logAnalytics' | 'applicationInsights';

export type MonitorProxyCloud = 'public' | 'usGovernment' | 'china';

export interface MonitorProxyTarget {
  /** Which service the URL names; undefined for a subscription/resource group URL on a host that serves both. */
  readonly kind: MonitorProxyKind | undefined;
  readonly cloud: MonitorProxyCloud;
  readonly subscriptionId: string;
  readonly resourceGroup?: string;
  /** The workspace or app name as in the URL, percent-decoded. */
  readonly resourceName?: string;
  /** The proxy's database for a workspace/app URL (its name, with characters KQL names cannot hold as "-"). */
  readonly database?: string;
  /** Canonical path: keywords and the subscription id lower case, names as given. */
  readonly path: string;
  /** Readable name: the workspace/app, else the resource group, else the subscription. */
  readonly displayName: string;
}

/** The resource (token audience) of each cloud's Kusto service, which the Monitor proxy accepts. */
export const MONITOR_PROXY_RESOURCES: Readonly<Record<MonitorProxyCloud, string>> = {
  public: 'https://kusto.kusto.windows.net',
  usGovernment: 'https://kusto.kusto.usgovcloudapi.net',
  china: 'https://kusto.kusto.chinacloudapi.cn',
};

interface ProxyHost {
  readonly cloud: MonitorProxyCloud;
  /** The one service the host serves, or undefined when it serves both. */
  readonly kind?: MonitorProxyKind;
}

export const MONITOR_PROXY_HOSTS: ReadonlyMap<string, ProxyHost> = new Map<string, ProxyHost>([
  ['ade.loganalytics.io', { cloud: 'public', kind: 'logAnalytics' }],
  ['ade.applicationinsights.io', { cloud: 'public', kind: 'applicationInsights' }],
  ['adx.loganalytics.azure.com', { cloud: 'public', kind: 'logAnalytics' }],
  ['adx.applicationinsights.azure.com', { cloud: 'public', kind: 'applicationInsights' }],
  ['adx.monitor.azure.com', { cloud: 'public' }],
  ['adx.loganalytics.azure.us', { cloud: 'usGovernment', kind: 'logAnalytics' }],
  ['adx.applicationinsights.azure.us', { cloud: 'usGovernment', kind: 'applicationInsights' }],
  ['adx.monitor.azure.us', { cloud: 'usGovernment' }],
  ['adx.loganalytics.azure.cn', { cloud: 'china', kind: 'logAnalytics' }],
  ['adx.applicationinsights.azure.cn', { cloud: 'china', kind: 'applicationInsights' }],
  ['adx.monitor.azure.cn', { cloud: 'china' }],
]);

export const MONITOR_KIND_LABELS: Readonly<Record<MonitorProxyKind, string>> = {
  logAnalytics: 'Log Analytics',
  applicationInsights: 'Application Insights',
};

export class MonitorProxyPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonitorProxyPathError';
  }
}

/** True when `hostname` (lower case, no port) is one of the proxy's documented host names. */
export function isMonitorProxyHost(hostname: string): boolean {
  return MONITOR_PROXY_HOSTS.has(hostname.toLowerCase());
}

/** True when a URL path is meant for the proxy (starts with /subscriptions/, any case). */
export function looksLikeMonitorProxyPath(pathname: string): boolean {
  return /^\/subscriptions(?:\/|$)/i.test(pathname);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Percent-encoded octets are how the docs say special characters of names travel in the URL.
const RESOURCE_GROUP = /^(?:[A-Za-z0-9._()-]|%[0-9A-Fa-f]{2}){1,90}$/;
// Log Analytics workspace names: 4–63 letters, digits and "-", starting and ending with a letter or digit.
const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const COMPONENT = /^(?:[A-Za-z0-9._()-]|%[0-9A-Fa-f]{2}){1,260}$/;

const PROVIDERS: ReadonlyArray<{ provider: string; collection: string; kind: MonitorProxyKind }> = [
  { provider: 'microsoft.operationalinsights', collection: 'workspaces', kind: 'logAnalytics' },
  { provider: 'microsoft.insights', collection: 'components', kind: 'applicationInsights' },
];

const SHAPES =
  '/subscriptions/<subscription id>[/resourcegroups/<resource group>[/providers/microsoft.operationalinsights/workspaces/<workspace> | ' +
  '/providers/microsoft.insights/components/<app>]]';

function decodeName(text: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new MonitorProxyPathError(`the ${what} "${text}" is not valid percent-encoding`);
  }
  const bad = /[%&\\?/\u0000-\u001f\u007f]/.exec(decoded);
  if (bad) {
    const character = /[\u0000-\u001f\u007f]/.test(bad[0]) ? 'a control character' : `"${bad[0]}"`;
    throw new MonitorProxyPathError(`the ${what} "${text}" contains ${character}, which Azure resource names cannot hold`);
  }
  return decoded;
}

/** The proxy's database for a resource: its name with characters outside KQL entity names replaced by "-". */
export function monitorProxyDatabaseName(resourceName: string): string {
  return resourceName.replace(/[^A-Za-z0-9_ .-]/g, '-');
}

/**
 * Reads the path of a proxy URL (`pathname` as `URL` gives it: no query). `hostKind`/`cloud` come from the host
 * (a loopback host stands in for the public cloud and serves both kinds). Throws MonitorProxyPathError naming
 * the part that does not fit the documented shapes.
 */
export function parseMonitorProxyPath(pathname: string, host: { cloud: MonitorProxyCloud; kind?: MonitorProxyKind }): MonitorProxyTarget {
  const segments = pathname.replace(/\/+$/, '').split('/').slice(1);
  if (segments.some((segment) => segment === '')) {
    throw new MonitorProxyPathError(`its path has an empty segment; expected ${SHAPES}`);
  }
  if (segments.length === 0 || segments[0].toLowerCase() !== 'subscriptions') {
    throw new MonitorProxyPathError(`an Azure Monitor proxy URL needs a path ${SHAPES}`);
  }
  if (segments.length === 1) {
    throw new MonitorProxyPathError('the path ends after "subscriptions"; add the subscription id');
  }
  const subscriptionId = segments[1].toLowerCase();
  if (!GUID.test(subscriptionId)) {
    throw new MonitorProxyPathError(`"${segments[1]}" is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000)`);
  }
  let path = `/subscriptions/${subscriptionId}`;
  if (segments.length === 2) {
    return { kind: host.kind, cloud: host.cloud, subscriptionId, path, displayName: `subscription ${subscriptionId}` };
  }
  if (segments[2].toLowerCase() !== 'resourcegroups') {
    throw new MonitorProxyPathError(`"${segments[2]}" after the subscription id should be "resourcegroups"`);
  }
  if (segments.length === 3) {
    throw new MonitorProxyPathError('the path ends after "resourcegroups"; add the resource group name');
  }
  if (!RESOURCE_GROUP.test(segments[3]) || segments[3].endsWith('.')) {
    throw new MonitorProxyPathError(`"${segments[3]}" is not a resource group name (letters, digits, ".", "_", "-", "(", ")"; not ending with ".")`);
  }
  const resourceGroup = decodeName(segments[3], 'resource group');
  path += `/resourcegroups/${segments[3]}`;
  if (segments.length === 4) {
    return { kind: host.kind, cloud: host.cloud, subscriptionId, resourceGroup, path, displayName: resourceGroup };
  }
  const provider = PROVIDERS.find((p) => p.provider === segments[5]?.toLowerCase() && p.collection === segments[6]?.toLowerCase());
  if (segments[4].toLowerCase() !== 'providers' || !provider || segments.length !== 8) {
    throw new MonitorProxyPathError(
      `after the resource group expected "/providers/microsoft.operationalinsights/workspaces/<workspace>" or "/providers/microsoft.insights/components/<app>", not "/${segments.slice(4).join('/')}"`,
    );
  }
  if (host.kind && host.kind !== provider.kind) {
    throw new MonitorProxyPathError(
      `it names ${provider.kind === 'logAnalytics' ? 'a Log Analytics workspace' : 'an Application Insights app'} on the ${MONITOR_KIND_LABELS[host.kind]} host; ` +
        `use ${provider.kind === 'logAnalytics' ? 'ade.loganalytics.io' : 'ade.applicationinsights.io'} (or adx.monitor.azure.com)`,
    );
  }
  const rawName = segments[7];
  if (provider.kind === 'logAnalytics' ? !WORKSPACE.test(rawName) : !COMPONENT.test(rawName)) {
    throw new MonitorProxyPathError(
      provider.kind === 'logAnalytics'
        ? `"${rawName}" is not a Log Analytics workspace name (4 to 63 letters, digits and "-", starting and ending with a letter or digit)`
        : `"${rawName}" is not an Application Insights resource name (letters, digits, ".", "_", "-", "(", ")" or percent-encoded characters)`,
    );
  }
  const resourceName = decodeName(rawName, provider.kind === 'logAnalytics' ? 'workspace name' : 'app name');
  path += `/providers/${provider.provider}/${provider.collection}/${rawName}`;
  return {
    kind: provider.kind,
    cloud: host.cloud,
    subscriptionId,
    resourceGroup,
    resourceName,
    database: monitorProxyDatabaseName(resourceName),
    path,
    displayName: resourceName,
  };
}
