// The Kusto tools served over MCP, as an agent sees them: a real MCP client (the official SDK's streamable HTTP
// client) talks to the extension's MCP server, whose tools run on the real Kusto client and schema store against
// the local Kusto server with tokens from the local sign-in server.

import * as assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignInRequiredError, type AccessTokenSource } from '../../src/core/auth/accessTokenSource';
import { AGENT_TOOL_NAMES, AgentTools, type QueryApprovalRequest } from '../../src/core/agents/agentTools';
import { startAgentMcpServer, type RunningAgentMcpServer } from '../../src/core/agents/mcpServer';
import { KustoClient } from '../../src/core/kusto/kustoClient';
import { SchemaStore } from '../../src/core/schema/schemaStore';
import { startLocalStack, type LocalStack } from '../../src/localServers/localStack';
import { getTestAccessToken } from '../support/signInTestTokens';

interface CallResult {
  readonly text: string;
  readonly isError: boolean;
}

describe('Kusto tools over MCP (official SDK client → extension MCP server → local Kusto server)', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let kusto: KustoClient;
  let server: RunningAgentMcpServer;
  let tools: AgentTools;
  let token: string;
  let signedIn = true;
  let signInPrompts = 0;
  let approvals: QueryApprovalRequest[] = [];
  let approve = true;
  const openClients: Client[] = [];

  const tokenSource: AccessTokenSource = {
    async getToken(clusterUrl) {
      if (!signedIn) {
        throw new SignInRequiredError(clusterUrl, 'no account is signed in for this cluster');
      }
      return token;
    },
  };

  before(async () => {
    stack = await startLocalStack();
    token = await getTestAccessToken(stack.signIn, stack.kusto.url);
    kusto = new KustoClient({ tokenSource, application: 'Kusto Explorer tests', clientVersion: 'Kusto.Explorer.VSCode:test' });
    const schema = new SchemaStore(async () => kusto);
    tools = new AgentTools({
      connections: () => [{ url: stack.kusto.url, name: 'local', defaultDatabase: 'Samples' }],
      hasSession: async () => signedIn,
      getDatabaseSchema: (clusterUrl, database) => schema.loadDatabaseSchema(clusterUrl, database),
      execute: (request) => kusto.execute({ ...request, requestKind: 'AgentQuery' }),
      signIn: async () => {
        signInPrompts++;
        signedIn = true;
      },
      approve: async (request) => {
        approvals.push(request);
        return approve;
      },
      limits: () => ({ maxRows: 20, maxBytes: 8192, format: 'markdown' }),
    });
    server = await startAgentMcpServer({ tools, version: 'test' });
  });

  after(async () => {
    await Promise.allSettled(openClients.map((client) => client.close()));
    await server?.close();
    await kusto?.close();
    await stack?.close();
  });

  beforeEach(() => {
    approvals = [];
    approve = true;
    stack.kusto.clearFaults();
  });

  async function connect(headers: Record<string, string> = { authorization: `Bearer ${server.secret}` }): Promise<Client> {
    const client = new Client({ name: 'kusto-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } }));
    openClients.push(client);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallResult> {
    const result = await client.callTool({ name, arguments: args });
    const content = result.content as Array<{ type: string; text?: string }>;
    assert.equal(content.length, 1);
    assert.equal(content[0].type, 'text');
    return { text: content[0].text ?? '', isError: result.isError === true };
  }

  it('serves on loopback and lists the four tools with input schemas and read-only annotations', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect();
    const { tools: listed } = await client.listTools();
    assert.deepEqual(listed.map((tool) => tool.name).sort(), Object.values(AGENT_TOOL_NAMES).sort());
    const runQuery = listed.find((tool) => tool.name === AGENT_TOOL_NAMES.runQuery)!;
    assert.deepEqual(runQuery.inputSchema.required, ['query']);
    assert.equal(runQuery.annotations?.readOnlyHint, true);
    assert.equal(server.sessionCount(), 1);
  });

  it('lists the connections, reads a database schema and a table with column types', async () => {
    const client = await connect();
    const connections = await call(client, AGENT_TOOL_NAMES.listConnections, {});
    assert.match(connections.text, new RegExp(`\\| local \\| ${stack.kusto.url.replace(/[.]/g, '\\.')} \\| Samples \\| yes \\|`));

    const database = await call(client, AGENT_TOOL_NAMES.getSchema, { cluster: 'local', database: 'Samples' });
    assert.equal(database.isError, false, database.text);
    assert.match(database.text, /^Database Samples on local/);
    assert.match(database.text, /- StormEvents\b.*: \d+ columns/);

    const table = await call(client, AGENT_TOOL_NAMES.getSchema, { table: 'stormevents' });
    assert.match(table.text, /^Table StormEvents in database Samples/);
    assert.match(table.text, /\| StartTime \| datetime \|/);
    assert.match(table.text, /\| State \| string \|/);
  });

  it('runs a query after the user approves it, showing cluster, database and query text; rows come back with the true count', async () => {
    const client = await connect();
    const query = 'StormEvents | summarize Events = count() by State | order by Events desc';
    const result = await call(client, AGENT_TOOL_NAMES.runQuery, { cluster: stack.kusto.url, database: 'Samples', query });
    assert.equal(result.isError, false, result.text);
    assert.deepEqual(approvals, [{ tool: AGENT_TOOL_NAMES.runQuery, clusterUrl: stack.kusto.url, clusterName: 'local', database: 'Samples', query }]);
    assert.match(result.text, /^Cluster local \(http:\/\/127\.0\.0\.1:\d+\), database Samples\./);
    assert.match(result.text, /\d+ rows, 2 columns\./);
    assert.match(result.text, /\| State \(string\) \| Events \(long\) \|/);
    assert.match(result.text, /\| TEXAS \| \d+ \|/);
    const agentRequests = stack.kusto.requests.filter((r) => r.csl === query);
    assert.equal(agentRequests.length, 1);
    assert.match(String(agentRequests[0].headers['x-ms-client-request-id']), /^KE\.AgentQuery;/);
  });

  it('samples a table (take N) and caps what the model reads, saying how many rows there are', async () => {
    const client = await connect();
    const sample = await call(client, AGENT_TOOL_NAMES.sample, { table: 'StormEvents', rows: 5 });
    assert.equal(sample.isError, false, sample.text);
    assert.equal(approvals[0]?.query, 'StormEvents\n| take 5');
    assert.match(sample.text, /5 rows, \d+ columns\./);

    const many = await call(client, AGENT_TOOL_NAMES.runQuery, { query: 'StormEvents | take 500' });
    assert.match(many.text, /500 rows, \d+ columns\. Truncated: showing the first \d+ of 500 rows/);
    assert.ok(Buffer.byteLength(many.text) <= 8192 + 200);
  });

  it('refuses when the user declines, and never sends the query', async () => {
    const client = await connect();
    approve = false;
    const query = 'StormEvents | take 3 // declined';
    const result = await call(client, AGENT_TOOL_NAMES.runQuery, { query });
    assert.equal(result.isError, true);
    assert.match(result.text, /declined/);
    assert.equal(stack.kusto.requests.filter((r) => r.csl === query).length, 0);
  });

  it('refuses management commands other than .show before asking or sending anything; .show runs', async () => {
    const client = await connect();
    const drop = await call(client, AGENT_TOOL_NAMES.runQuery, { query: '.show tables\n.drop table StormEvents' });
    assert.equal(drop.isError, true);
    assert.match(drop.text, /Only queries and read-only "\.show"/);
    assert.equal(approvals.length, 0);
    assert.equal(stack.kusto.requests.filter((r) => r.csl?.includes('.drop')).length, 0);

    const show = await call(client, AGENT_TOOL_NAMES.runQuery, { query: '.show tables' });
    assert.equal(show.isError, false, show.text);
    assert.match(show.text, /StormEvents/);
  });

  it('gives the model the Kusto error with its position, and refuses clusters the user did not configure', async () => {
    const client = await connect();
    const bad = await call(client, AGENT_TOOL_NAMES.runQuery, { query: 'StormEvents | where NoSuchColumn == 1' });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /at line 1, position \d+: .*NoSuchColumn/);
    assert.doesNotMatch(bad.text, /\n\s+at |eyJ/);

    const elsewhere = await call(client, AGENT_TOOL_NAMES.runQuery, { cluster: 'https://attacker.example.com', query: 'print 1' });
    assert.equal(elsewhere.isError, true);
    assert.match(elsewhere.text, /not a configured Kusto connection/);
  });

  it('asks the user to sign in when needed, then the call goes on', async () => {
    const client = await connect();
    signedIn = false;
    signInPrompts = 0;
    const result = await call(client, AGENT_TOOL_NAMES.runQuery, { query: 'StormEvents | count' });
    assert.equal(signInPrompts, 1);
    assert.equal(result.isError, false, result.text);
    assert.match(result.text, /1 row, 1 column\./);
  });

  it('a sign-out stops a query in flight at once', async () => {
    const client = await connect();
    stack.kusto.injectFault({ kind: 'delay', ms: 20_000, match: 'slow-agent-query' });
    const started = Date.now();
    const pending = call(client, AGENT_TOOL_NAMES.runQuery, { query: 'StormEvents | take 1 // slow-agent-query' });
    await waitUntil(() => tools.activeClusters().includes(stack.kusto.url));
    assert.equal(tools.revoke(stack.kusto.url), 1);
    const result = await pending;
    assert.equal(result.isError, true);
    assert.match(result.text, /cancelled/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('refuses a client without the secret (401) or with a wrong one', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const without = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify(initialize) });
    assert.equal(without.status, 401);
    const wrong = await fetch(server.url, { method: 'POST', headers: { ...headers, authorization: `Bearer ${'x'.repeat(server.secret.length)}` }, body: JSON.stringify(initialize) });
    assert.equal(wrong.status, 401);
    await assert.rejects(connect({}), (error: Error) => /401|Unauthorized/i.test(String((error as { code?: number }).code) + error.message));
    const rebound = await fetch(server.url.replace('127.0.0.1', 'localhost'), { method: 'POST', headers: { ...headers, authorization: `Bearer ${server.secret}` }, body: JSON.stringify(initialize) });
    assert.equal(rebound.status, 403, 'a request naming another host (DNS rebinding) is refused');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
