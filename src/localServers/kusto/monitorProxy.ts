// The local server's stand-in for Azure Data Explorer's proxy to Azure Monitor: Log Analytics workspaces and
// Application Insights apps served under their documented URL paths
// (`/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.operationalinsights/workspaces/<ws>/v2/rest/query`),
// as MicrosoftDocs/dataexplorer-docs `data-explorer/query-monitor-data.md` describes them:
// - one database per workspace/app, named after it; names are case-sensitive;
// - a subscription or resource group path serves every workspace/app under it;
// - of management commands only `.show functions`, `.show function X` and `.show database X schema as json`
//   (documented), plus `.show databases` for a subscription/resource group path (the docs say such a URL shows all
//   its databases, without naming the command);
// - tokens carry the cloud's Kusto service audience (`https://kusto.kusto.windows.net`), which is what the
//   official SDKs and Grafana ask for (see src/core/monitorProxy.ts), not the proxy's own URL.

import { KustoServiceError, badRequest } from './kustoErrors';
import type { ColumnSchema, Row } from './kustoTypes';
import { datetimeFromIso } from './kustoTypes';
import type { DatabaseDefinition, TableDefinition } from './sampleData';

/** The audience the proxy accepts in the public cloud (the stand-in plays the public cloud). */
export const MONITOR_PROXY_AUDIENCE = 'https://kusto.kusto.windows.net';

export interface MonitorResourceDefinition {
  readonly kind: 'logAnalytics' | 'applicationInsights';
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Workspace or app name; also the name of its one database. */
  readonly name: string;
  readonly database: DatabaseDefinition;
}

/** What one proxy path serves. */
export interface MonitorProxySite {
  /** The path before `/v1/rest/...` or `/v2/rest/...`. */
  readonly prefix: string;
  readonly audience: string;
  readonly catalog: readonly DatabaseDefinition[];
  /** Whether the path names one workspace/app (then `.show databases` is not offered). */
  readonly singleResource: boolean;
}

export const SAMPLE_MONITOR_SUBSCRIPTION = '7d2f4a1c-5b3e-4c8d-9a6f-1e2b3c4d5e6f';
export const SAMPLE_MONITOR_RESOURCE_GROUP = 'monitoring-rg';
export const SAMPLE_WORKSPACE = 'ContosoLogs';
export const SAMPLE_APP = 'contoso-web';

const PROVIDER_PATHS = {
  logAnalytics: 'microsoft.operationalinsights/workspaces',
  applicationInsights: 'microsoft.insights/components',
} as const;

/** The path of a resource, as the proxy documents it. */
export function monitorResourcePath(resource: Pick<MonitorResourceDefinition, 'kind' | 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${resource.subscriptionId}/resourcegroups/${resource.resourceGroup}/providers/${PROVIDER_PATHS[resource.kind]}/${resource.name}`;
}

function table(name: string, columns: ColumnSchema[], rows: Row[]): TableDefinition {
  return { name, folder: '', docString: '', columns, rowCount: rows.length, rows: () => rows.map((row) => [...row]) };
}

function database(name: string, tables: TableDefinition[]): DatabaseDefinition {
  return { name, databaseId: '3c9b2f7e-6a1d-4e5b-8c0f-2d4e6a8b0c1e', majorVersion: 1, minorVersion: 0, tables, materializedViews: [], externalTables: [], functions: [] };
}

const at = (iso: string) => datetimeFromIso(iso);

/** A small workspace (Heartbeat, Perf) and app (requests) with the columns Azure Monitor gives those tables. */
export function sampleMonitorResources(): readonly MonitorResourceDefinition[] {
  const computers = ['web-01', 'web-02', 'sql-01'];
  const heartbeat = table(
    'Heartbeat',
    [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Computer', type: 'string' },
      { name: 'OSType', type: 'string' },
      { name: 'Category', type: 'string' },
    ],
    computers.flatMap((computer, index) => [0, 1, 2].map((minute) => [at(`2026-11-30T10:0${minute}:0${index}Z`), computer, computer.startsWith('sql') ? 'Windows' : 'Linux', 'Direct Agent'])),
  );
  const perf = table(
    'Perf',
    [
      { name: 'TimeGenerated', type: 'datetime' },
      { name: 'Computer', type: 'string' },
      { name: 'ObjectName', type: 'string' },
      { name: 'CounterName', type: 'string' },
      { name: 'CounterValue', type: 'real' },
    ],
    computers.map((computer, index) => [at(`2026-11-30T10:00:0${index}Z`), computer, 'Processor', '% Processor Time', 12.5 * (index + 1)]),
  );
  const requests = table(
    'requests',
    [
      { name: 'timestamp', type: 'datetime' },
      { name: 'name', type: 'string' },
      { name: 'resultCode', type: 'string' },
      { name: 'duration', type: 'real' },
      { name: 'success', type: 'bool' },
    ],
    [
      [at('2026-11-30T10:00:00Z'), 'GET /', '200', 41.5, true],
      [at('2026-11-30T10:00:01Z'), 'GET /cart', '500', 230.25, false],
    ],
  );
  return [
    { kind: 'logAnalytics', subscriptionId: SAMPLE_MONITOR_SUBSCRIPTION, resourceGroup: SAMPLE_MONITOR_RESOURCE_GROUP, name: SAMPLE_WORKSPACE, database: database(SAMPLE_WORKSPACE, [heartbeat, perf]) },
    { kind: 'applicationInsights', subscriptionId: SAMPLE_MONITOR_SUBSCRIPTION, resourceGroup: SAMPLE_MONITOR_RESOURCE_GROUP, name: SAMPLE_APP, database: database(SAMPLE_APP, [requests]) },
  ];
}

/**
 * The site a request path is for, and the rest of the path (`/v2/rest/query`, ...); undefined when the path is
 * not a proxy path. Throws a 404 KustoServiceError when the path names no resource this server has.
 */
export function matchMonitorProxyPath(path: string, resources: readonly MonitorResourceDefinition[]): { site: MonitorProxySite; rest: string } | undefined {
  if (!/^\/subscriptions\//i.test(path)) {
    return undefined;
  }
  const restAt = path.search(/\/v[12]\/rest\//i);
  const prefix = restAt < 0 ? path : path.slice(0, restAt);
  const rest = restAt < 0 ? '/' : path.slice(restAt);
  const segments = prefix.split('/').slice(1).map((segment) => decodeURIComponent(segment));
  const [, subscription, groupsWord, group, providersWord, provider, collection, name] = segments;
  const shapeOk =
    (segments.length === 2 || (segments.length === 4 && groupsWord.toLowerCase() === 'resourcegroups') || segments.length === 8) &&
    (segments.length !== 8 || (providersWord.toLowerCase() === 'providers' && groupsWord.toLowerCase() === 'resourcegroups'));
  const kind = segments.length === 8 ? (Object.keys(PROVIDER_PATHS) as Array<keyof typeof PROVIDER_PATHS>).find((k) => PROVIDER_PATHS[k] === `${provider}/${collection}`.toLowerCase()) : undefined;
  if (!shapeOk || (segments.length === 8 && !kind)) {
    throw new KustoServiceError(400, 'BadRequest', 'The Azure Monitor resource path is not valid.', 'Kusto.Data.Exceptions.KustoBadRequestException', `"${prefix}" is not a Log Analytics workspace or Application Insights app path.`, true);
  }
  // Ids and names in Azure resource paths compare case-insensitively; database names do not (see serveDatabase).
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const matching = resources.filter(
    (r) => same(r.subscriptionId, subscription) && (group === undefined || same(r.resourceGroup, group)) && (name === undefined || (r.kind === kind && same(r.name, name))),
  );
  if (matching.length === 0) {
    throw new KustoServiceError(404, 'NotFound', 'The Azure Monitor resource was not found.', 'Kusto.Data.Exceptions.KustoRequestException', `No Log Analytics workspace or Application Insights app at "${prefix}".`, true);
  }
  return { site: { prefix, audience: MONITOR_PROXY_AUDIENCE, catalog: matching.map((r) => r.database), singleResource: segments.length === 8 }, rest };
}

/** The database a request names on the proxy: its exact (case-sensitive) name, as the docs say. */
export function findProxyDatabase(site: MonitorProxySite, name: string): DatabaseDefinition | undefined {
  return site.catalog.find((db) => db.name === name);
}

/** Throws unless the proxy documents the command (see the top of this file). */
export function assertProxyCommandSupported(site: MonitorProxySite, csl: string): void {
  const normalized = csl.trim().replace(/;\s*$/, '').replace(/\s+/g, ' ');
  const documented =
    /^\.show functions$/i.test(normalized) ||
    /^\.show function [\w.-]+$/i.test(normalized) ||
    /^\.show database (?:[\w.-]+|\[\s*'[^']+'\s*\]|\[\s*"[^"]+"\s*\]) schema as json$/i.test(normalized) ||
    (!site.singleResource && /^\.show databases$/i.test(normalized));
  if (!documented) {
    throw badRequest(
      `The Azure Data Explorer proxy for Azure Monitor does not support this command. Supported: .show functions, .show function <name>, ` +
        `.show database <name> schema as json${site.singleResource ? '' : ', .show databases'}.`,
    );
  }
}
