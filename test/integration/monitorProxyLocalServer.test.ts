// A Log Analytics workspace and an Application Insights app through the local stand-in of Azure Data Explorer's
// proxy: real MSAL (TokenBroker) against the local sign-in server, the real client and schema store.

import * as assert from 'node:assert/strict';
import { InMemoryAccountMappingStore } from '../../src/core/auth/accountMapping';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../src/core/auth/authoritySettings';
import { TokenBroker } from '../../src/core/auth/tokenBroker';
import { KustoClient } from '../../src/core/kusto/kustoClient';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import { allRows } from '../../src/core/kusto/kustoRows';
import { SchemaStore } from '../../src/core/schema/schemaStore';
import { MONITOR_PROXY_AUDIENCE, monitorResourcePath, sampleMonitorResources } from '../../src/localServers/kusto/monitorProxy';
import { startLocalStack, type LocalStack } from '../../src/localServers/localStack';
import { CapturedLog, decodeJwtPayload, InMemorySecretStore } from '../support/authHarness';
import { getTestAccessToken } from '../support/signInTestTokens';

const ALICE = 'alice@contoso.com';

async function kustoFailure(promise: Promise<unknown>): Promise<KustoRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KustoRequestError, `expected a KustoRequestError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('Azure Monitor proxy endpoints against the local servers', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let broker: TokenBroker;
  let client: KustoClient;
  let workspaceUrl: string;
  let appUrl: string;
  const deviceCodes: string[] = [];

  before(async () => {
    stack = await startLocalStack();
    const [workspace, app] = sampleMonitorResources();
    workspaceUrl = `${stack.kusto.url}${monitorResourcePath(workspace)}`;
    appUrl = `${stack.kusto.url}${monitorResourcePath(app)}`;
    broker = new TokenBroker({
      secretStore: new InMemorySecretStore(),
      settings: () => ({ ...DEFAULT_SIGN_IN_SETTINGS, authorityHost: stack.signIn.origin }),
      accountMapping: new InMemoryAccountMappingStore(),
      log: new CapturedLog(),
      extraCaCertificates: [stack.signIn.caCertificatePem],
    });
    await broker.signInWithDeviceCode(workspaceUrl, (prompt) => {
      deviceCodes.push(prompt.userCode);
      setTimeout(() => stack.signIn.approveDeviceCode(prompt.userCode, ALICE), 50);
    });
    client = new KustoClient({ tokenSource: broker, application: 'Kusto Explorer tests', clientVersion: 'Kusto.Explorer.VSCode:test', retryBaseDelayMs: 50 });
  });

  after(async () => {
    await client?.close();
    await broker?.dispose();
    await stack?.close();
  });

  it('signs in for the Kusto service audience, not for the proxy URL', async () => {
    const details = await broker.getTokenDetails(workspaceUrl);
    assert.equal(decodeJwtPayload(details.accessToken).aud, MONITOR_PROXY_AUDIENCE);
    const session = await broker.describeSession(workspaceUrl);
    assert.equal(session?.scope, `${MONITOR_PROXY_AUDIENCE}/.default`);
    assert.ok(session?.expiresOn && session.expiresOn.getTime() > Date.now(), 'the status bar can show the token expiry');
  });

  it('shows the workspace’s tables: its one database without a request, its schema through the documented command', async () => {
    const schemas = new SchemaStore(async () => client);
    const before = stack.kusto.requests.length;
    assert.deepEqual((await schemas.loadDatabases(workspaceUrl)).map((d) => d.name), ['ContosoLogs']);
    assert.equal(stack.kusto.requests.length, before, 'no .show databases was sent');
    const schema = await schemas.loadDatabaseSchema(workspaceUrl, 'ContosoLogs');
    assert.deepEqual(schema.tables.map((t) => t.name).sort(), ['Heartbeat', 'Perf']);
    const sent = stack.kusto.requests.slice(before);
    assert.deepEqual(sent.map((r) => [r.path, r.db, r.csl]), [[`${new URL(workspaceUrl).pathname}/v1/rest/mgmt`, 'ContosoLogs', '.show database ContosoLogs schema as json']]);
  });

  it('runs a query under the workspace path', async () => {
    const response = await client.execute({ clusterUrl: workspaceUrl, database: 'ContosoLogs', text: 'Heartbeat | summarize Beats = count() by Computer | order by Computer asc' });
    const table = response.primaryResults[0];
    assert.deepEqual(allRows(table.rows), [['sql-01', 3], ['web-01', 3], ['web-02', 3]]);
    assert.equal(stack.kusto.requests.at(-1)?.path, `${new URL(workspaceUrl).pathname}/v2/rest/query`);
    assert.equal(stack.kusto.requests.at(-1)?.tokenAudience, MONITOR_PROXY_AUDIENCE);
  });

  it('reaches an Application Insights app with the same sign-in (one scope), as a cluster of its own', async () => {
    const response = await client.execute({ clusterUrl: appUrl, database: 'contoso-web', text: 'requests | where success == false | project name, resultCode' });
    assert.deepEqual(allRows(response.primaryResults[0].rows), [['GET /cart', '500']]);
    assert.equal(deviceCodes.length, 1, 'no second sign-in');
  });

  it('refuses a cluster token at the workspace, and a proxy token at the cluster', async () => {
    const clusterToken = await getTestAccessToken(stack.signIn, stack.kusto.url);
    const withClusterToken = new KustoClient({ tokenSource: { getToken: async () => clusterToken }, application: 'tests', clientVersion: 'test', retryBaseDelayMs: 50 });
    const proxyToken = await broker.getToken(workspaceUrl);
    const withProxyToken = new KustoClient({ tokenSource: { getToken: async () => proxyToken }, application: 'tests', clientVersion: 'test', retryBaseDelayMs: 50 });
    try {
      const atWorkspace = await kustoFailure(withClusterToken.execute({ clusterUrl: workspaceUrl, database: 'ContosoLogs', text: 'Heartbeat | take 1' }));
      assert.equal(atWorkspace.kind, 'auth');
      assert.match(atWorkspace.message, /audience/);
      const atCluster = await kustoFailure(withProxyToken.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'print 1' }));
      assert.equal(atCluster.kind, 'auth');
    } finally {
      await withClusterToken.close();
      await withProxyToken.close();
    }
  });

  it('behaves like the proxy: database names are case-sensitive, undocumented commands are refused', async () => {
    const wrongCase = await kustoFailure(client.execute({ clusterUrl: workspaceUrl, database: 'contosologs', text: 'Heartbeat | take 1' }));
    assert.match(wrongCase.message, /contosologs/);
    const command = await kustoFailure(client.execute({ clusterUrl: workspaceUrl, database: 'ContosoLogs', text: '.show tables' }));
    assert.match(command.message, /proxy for Azure Monitor does not support this command/);
    const unknown = await kustoFailure(client.execute({ clusterUrl: workspaceUrl.replace('ContosoLogs', 'OtherLogs'), database: 'OtherLogs', text: 'print 1' }));
    assert.equal(unknown.kind, 'notFound');
  });
});
