import * as assert from 'node:assert/strict';
import { AGENT_TOOL_NAMES, AgentTools, findConnection, type AgentConnection, type AgentToolsDeps } from '../../src/core/agents/agentTools';
import { ClusterApprovals } from '../../src/core/agents/clusterApprovals';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import type { KustoResponse } from '../../src/core/kusto/resultTypes';

const CONNECTIONS: AgentConnection[] = [
  { url: 'https://help.kusto.windows.net', name: 'help', defaultDatabase: 'Samples' },
  { url: 'https://mycluster.westeurope.kusto.windows.net', name: 'Prod', defaultDatabase: 'Telemetry' },
];

function fakeDeps(sent: Array<{ clusterUrl: string; database: string; text: string }>, overrides: Partial<AgentToolsDeps> = {}): AgentToolsDeps {
  return {
    connections: () => CONNECTIONS,
    getDatabaseSchema: async () => {
      throw new Error('not used');
    },
    execute: async (request): Promise<KustoResponse> => {
      sent.push({ clusterUrl: request.clusterUrl, database: request.database, text: request.text });
      const table = { id: 0, name: 'PrimaryResult', kind: 'PrimaryResult' as const, columns: [{ name: 'x', type: 'long' as const }], rows: rowsOf([[1]]) };
      return { endpoint: 'query', clientRequestId: 'id', primaryResults: [table], allTables: [table], partialErrors: [], elapsedMs: 1 };
    },
    ...overrides,
  };
}

describe('Agent tools: choosing the connection and what is sent', () => {
  it('finds a configured connection by name, URL or host, never another cluster', () => {
    assert.equal(findConnection(CONNECTIONS, 'prod')?.name, 'Prod');
    assert.equal(findConnection(CONNECTIONS, 'https://help.kusto.windows.net/')?.name, 'help');
    assert.equal(findConnection(CONNECTIONS, 'mycluster.westeurope.kusto.windows.net')?.name, 'Prod');
    assert.equal(findConnection(CONNECTIONS, 'mycluster')?.name, 'Prod');
    assert.equal(findConnection(CONNECTIONS, 'https://evil.example.com'), undefined);
    assert.equal(findConnection(CONNECTIONS, 'https://help.kusto.windows.net.evil.example.com'), undefined);
  });

  it("defaults to the active editor's connection and database, else the first connection's default database", async () => {
    const sent: Array<{ clusterUrl: string; database: string; text: string }> = [];
    let active: { clusterUrl: string; database: string } | undefined = { clusterUrl: CONNECTIONS[1].url, database: 'Logs' };
    const tools = new AgentTools(fakeDeps(sent, { activeConnection: () => active }));
    await tools.call(AGENT_TOOL_NAMES.runQuery, { query: 'T | take 1' }, { approved: true });
    active = undefined;
    await tools.call(AGENT_TOOL_NAMES.runQuery, { query: 'T | take 1' }, { approved: true });
    await tools.call(AGENT_TOOL_NAMES.runQuery, { query: 'T | take 1', cluster: 'Prod' }, { approved: true });
    assert.deepEqual(
      sent.map((s) => `${s.clusterUrl} ${s.database}`),
      [`${CONNECTIONS[1].url} Logs`, `${CONNECTIONS[0].url} Samples`, `${CONNECTIONS[1].url} Telemetry`],
    );
  });

  it('samples with a quoted table name and a row count in range; bad input comes back as an error the model can fix', async () => {
    const sent: Array<{ clusterUrl: string; database: string; text: string }> = [];
    const tools = new AgentTools(fakeDeps(sent));
    await tools.call(AGENT_TOOL_NAMES.sample, { table: 'my table', rows: 3 }, { approved: true });
    assert.equal(sent[0].text, "['my table']\n| take 3");
    const tooMany = await tools.call(AGENT_TOOL_NAMES.sample, { table: 'T', rows: 100_000 });
    assert.deepEqual(tooMany, { isError: true, text: '"rows" must be a whole number from 1 to 100.' });
    const noQuery = await tools.call(AGENT_TOOL_NAMES.runQuery, {});
    assert.deepEqual(noQuery, { isError: true, text: '"query" is required.' });
    assert.equal(sent.length, 1);
  });

  it('asks for approval unless already approved, and sends nothing when declined or turned off', async () => {
    const sent: Array<{ clusterUrl: string; database: string; text: string }> = [];
    let asked = 0;
    let enabled = true;
    const tools = new AgentTools(fakeDeps(sent, { approve: async () => (asked++, false), isEnabled: () => enabled }));
    assert.match((await tools.call(AGENT_TOOL_NAMES.runQuery, { query: 'T' })).text, /declined/);
    assert.equal(asked, 1);
    enabled = false;
    assert.match((await tools.call(AGENT_TOOL_NAMES.listConnections, {})).text, /agent access is turned off/);
    assert.equal(sent.length, 0);
  });
});

describe('Always-allowed clusters (per workspace)', () => {
  it('remembers, lists and forgets clusters in the memento it is given', async () => {
    const store = new Map<string, unknown>();
    const approvals = new ClusterApprovals({ get: <T>(key: string, fallback: T) => (store.has(key) ? (store.get(key) as T) : fallback), update: async (key, value) => void store.set(key, value) });
    assert.equal(approvals.isAllowed('https://a'), false);
    await approvals.allow('https://a');
    await approvals.allow('https://a');
    await approvals.allow('https://b');
    assert.deepEqual(approvals.list(), ['https://a', 'https://b']);
    await approvals.forget('https://a');
    assert.deepEqual(approvals.list(), ['https://b']);
    await approvals.forget();
    assert.equal(approvals.isAllowed('https://b'), false);
  });
});
