// Azure Monitor (Log Analytics / Application Insights) through Azure Data Explorer's proxy: URL forms of
// MicrosoftDocs/dataexplorer-docs `query-monitor-data.md`, one cluster per workspace, the token scope per cloud.

import * as assert from 'node:assert/strict';
import { InvalidClusterUrlError, parseClusterUrl } from '../../src/core/clusterUrl';
import { parseKustoConnectionString } from '../../src/core/connections/kustoConnectionString';
import { assertTokenAudience } from '../../src/core/auth/tokenClaims';
import { cloudOfCluster } from '../../src/core/auth/sovereignClouds';
import { webExplorerLink } from '../../src/core/share/deepLink';
import { SchemaStore } from '../../src/core/schema/schemaStore';

const SUB = '7d2f4a1c-5b3e-4c8d-9a6f-1e2b3c4d5e6f';
const WORKSPACE_URL = `https://ade.loganalytics.io/subscriptions/${SUB}/resourcegroups/monitoring-rg/providers/microsoft.operationalinsights/workspaces/ContosoLogs`;
const APP_URL = `https://ade.applicationinsights.io/subscriptions/${SUB}/resourcegroups/monitoring-rg/providers/microsoft.insights/components/contoso-web`;

function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function rejectionOf(input: string): string {
  try {
    parseClusterUrl(input);
  } catch (error) {
    assert.ok(error instanceof InvalidClusterUrlError, String(error));
    return error.message;
  }
  assert.fail(`${input} was accepted`);
}

describe('Azure Monitor proxy endpoints', () => {
  it('keeps a workspace URL as its own cluster, named after the workspace, with the Kusto service scope', () => {
    const endpoint = parseClusterUrl(WORKSPACE_URL);
    assert.equal(endpoint.url, WORKSPACE_URL);
    assert.equal(endpoint.host, 'ade.loganalytics.io');
    assert.equal(endpoint.displayName, 'ContosoLogs');
    assert.equal(endpoint.monitor?.kind, 'logAnalytics');
    assert.equal(endpoint.monitor?.database, 'ContosoLogs');
    assert.equal(endpoint.resource, 'https://kusto.kusto.windows.net');
    assert.equal(endpoint.scope, 'https://kusto.kusto.windows.net/.default');
  });

  it('reads keywords in any case, keeps names as typed, drops a query and a trailing slash', () => {
    const typed = `HTTPS://ADE.LogAnalytics.io/Subscriptions/${SUB.toUpperCase()}/ResourceGroups/monitoring-rg/Providers/Microsoft.OperationalInsights/Workspaces/ContosoLogs/?x=1#y`;
    assert.equal(parseClusterUrl(typed).url, WORKSPACE_URL);
  });

  it('makes two workspaces two clusters that share one sign-in scope', () => {
    const a = parseClusterUrl(WORKSPACE_URL);
    const b = parseClusterUrl(WORKSPACE_URL.replace('ContosoLogs', 'FabrikamLogs'));
    assert.notEqual(a.url, b.url);
    assert.equal(a.scope, b.scope);
  });

  it('reads an Application Insights app and the subscription / resource group forms', () => {
    const app = parseClusterUrl(APP_URL);
    assert.equal(app.monitor?.kind, 'applicationInsights');
    assert.equal(app.displayName, 'contoso-web');
    assert.equal(app.monitor?.database, 'contoso-web');
    const group = parseClusterUrl(`https://ade.loganalytics.io/subscriptions/${SUB}/resourcegroups/monitoring-rg`);
    assert.equal(group.monitor?.database, undefined);
    assert.equal(group.displayName, 'monitoring-rg');
    const subscription = parseClusterUrl(`https://adx.monitor.azure.com/subscriptions/${SUB}`);
    assert.equal(subscription.monitor?.kind, undefined, 'adx.monitor.azure.com serves both services');
    assert.equal(subscription.url, `https://adx.monitor.azure.com/subscriptions/${SUB}`);
  });

  it('asks the sovereign clouds for their own Kusto service and login endpoint', () => {
    const gov = parseClusterUrl(WORKSPACE_URL.replace('ade.loganalytics.io', 'adx.monitor.azure.us'));
    assert.equal(gov.scope, 'https://kusto.kusto.usgovcloudapi.net/.default');
    assert.equal(cloudOfCluster(gov.url)?.loginEndpoint, 'https://login.microsoftonline.us');
    const china = parseClusterUrl(WORKSPACE_URL.replace('ade.loganalytics.io', 'adx.monitor.azure.cn'));
    assert.equal(china.scope, 'https://kusto.kusto.chinacloudapi.cn/.default');
    assert.equal(cloudOfCluster(china.url)?.id, 'china');
    assert.equal(cloudOfCluster(WORKSPACE_URL)?.id, 'public');
  });

  it('turns down paths that are not one of the documented shapes, naming the bad part', () => {
    assert.match(rejectionOf('https://ade.loganalytics.io'), /needs a path/);
    assert.match(rejectionOf('https://ade.loganalytics.io/subscriptions/not-a-guid'), /"not-a-guid" is not a subscription id/);
    assert.match(rejectionOf(`https://ade.loganalytics.io/subscriptions/${SUB}/groups/rg`), /should be "resourcegroups"/);
    assert.match(rejectionOf(`https://ade.loganalytics.io/subscriptions/${SUB}/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1`), /expected "\/providers\/microsoft.operationalinsights/);
    assert.match(rejectionOf(`${WORKSPACE_URL}/extra`), /not "\/providers/);
    assert.match(rejectionOf(WORKSPACE_URL.replace('ContosoLogs', 'a;b')), /is not a Log Analytics workspace name/);
    assert.match(rejectionOf(APP_URL.replace('ade.applicationinsights.io', 'ade.loganalytics.io')), /Application Insights app on the Log Analytics host/);
    assert.match(rejectionOf(APP_URL.replace('contoso-web', 'a%2Fb')), /contains "\/"/);
    assert.match(rejectionOf(`https://ade.loganalytics.io/subscriptions/${SUB}/resourcegroups/rg./`), /not ending with "."/);
  });

  it('still drops a path on an ordinary cluster, and serves the proxy shape on a loopback host only', () => {
    assert.equal(parseClusterUrl('https://help.kusto.windows.net/Samples').url, 'https://help.kusto.windows.net');
    const local = parseClusterUrl(`http://127.0.0.1:8082/subscriptions/${SUB}/resourcegroups/monitoring-rg/providers/microsoft.operationalinsights/workspaces/ContosoLogs`);
    assert.equal(local.url, `http://127.0.0.1:8082/subscriptions/${SUB}/resourcegroups/monitoring-rg/providers/microsoft.operationalinsights/workspaces/ContosoLogs`);
    assert.equal(local.scope, 'https://kusto.kusto.windows.net/.default');
    assert.equal(parseClusterUrl('http://127.0.0.1:8082/Samples').url, 'http://127.0.0.1:8082');
  });

  it('accepts a token for the Kusto service on a workspace, and refuses one minted for the proxy URL or a cluster', () => {
    assert.doesNotThrow(() => assertTokenAudience(unsignedToken({ aud: 'https://kusto.kusto.windows.net' }), WORKSPACE_URL, 'test'));
    assert.throws(() => assertTokenAudience(unsignedToken({ aud: 'https://ade.loganalytics.io' }), WORKSPACE_URL, 'test'), /not for https:\/\/kusto.kusto.windows.net/);
    assert.throws(() => assertTokenAudience(unsignedToken({ aud: 'https://help.kusto.windows.net' }), WORKSPACE_URL, 'test'));
    assert.throws(() => assertTokenAudience(unsignedToken({ aud: 'https://kusto.kusto.windows.net' }), 'https://help.kusto.windows.net', 'test'));
  });

  it('adds a workspace from a connection string, its database named after it', () => {
    const parsed = parseKustoConnectionString(`Data Source=${WORKSPACE_URL};Fed=True`);
    assert.equal(parsed.clusterUrl, WORKSPACE_URL);
    assert.equal(parsed.database, 'ContosoLogs');
    // The docs' cross-tenant example: a resource group URL, NetDefaultDB and the tenant.
    const documented = parseKustoConnectionString(
      `Data Source=https://ade.applicationinsights.io/subscriptions/${SUB}/resourcegroups/ResourceGroupName;Initial Catalog=NetDefaultDB;AAD Federated Security=True;Authority ID=contoso.onmicrosoft.com`,
    );
    assert.equal(documented.clusterUrl, `https://ade.applicationinsights.io/subscriptions/${SUB}/resourcegroups/ResourceGroupName`);
    assert.equal(documented.database, undefined);
    assert.equal(documented.tenant, 'contoso.onmicrosoft.com');
    assert.throws(() => parseKustoConnectionString('Data Source=https://ade.loganalytics.io/subscriptions/nope'), /"Data Source" is not a valid Kusto cluster URL: "nope" is not a subscription id/);
  });

  it('makes no web UI link for a workspace, saying why', () => {
    assert.throws(() => webExplorerLink(WORKSPACE_URL, 'ContosoLogs', 'Heartbeat | take 1'), /not available for a Log Analytics workspace/);
    assert.match(webExplorerLink('https://help.kusto.windows.net', 'Samples', 'print 1'), /^https:\/\/dataexplorer\.azure\.com\/clusters\/help\.kusto\.windows\.net\//);
  });

  it('lists a workspace URL’s one database without asking the proxy', async () => {
    const commands: string[] = [];
    const store = new SchemaStore(async () => ({
      execute: async (request) => {
        commands.push(request.text);
        throw new Error('no request expected');
      },
    }));
    assert.deepEqual(await store.loadDatabases(WORKSPACE_URL), [{ name: 'ContosoLogs' }]);
    assert.deepEqual(commands, []);
  });
});
