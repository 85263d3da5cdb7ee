// The client against the local Kusto server with real access tokens from the local sign-in server.

import * as assert from 'node:assert/strict';
import type { AccessTokenSource, TokenRequestOptions } from '../../src/core/auth/accessTokenSource';
import { KustoClient } from '../../src/core/kusto/kustoClient';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import { decodeValue, formatKustoValue } from '../../src/core/kusto/valueDecoding';
import { startLocalStack, type LocalStack } from '../../src/localServers/localStack';
import { getTestAccessToken } from '../support/signInTestTokens';
import { allRows } from '../../src/core/kusto/kustoRows';

class TokenSourceForTests implements AccessTokenSource {
  readonly calls: Array<{ clusterUrl: string; forceRefresh: boolean }> = [];
  constructor(private readonly pick: (forceRefresh: boolean) => string) {}
  async getToken(clusterUrl: string, options?: TokenRequestOptions): Promise<string> {
    this.calls.push({ clusterUrl, forceRefresh: options?.forceRefresh === true });
    return this.pick(options?.forceRefresh === true);
  }
}

async function rejection(promise: Promise<unknown>, tokens: readonly string[]): Promise<KustoRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KustoRequestError, `expected a KustoRequestError, got ${String(error)}`);
    for (const token of tokens) {
      assert.ok(!error.message.includes(token), 'no token text in the message');
    }
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('KustoClient against the local Kusto server', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let aliceToken: string;
  let client: KustoClient;
  let tokens: TokenSourceForTests;

  before(async () => {
    stack = await startLocalStack();
    aliceToken = await getTestAccessToken(stack.signIn, stack.kusto.url);
    tokens = new TokenSourceForTests(() => aliceToken);
    client = new KustoClient({ tokenSource: tokens, application: 'Kusto Explorer tests', clientVersion: 'Kusto.Explorer.VSCode:test', retryBaseDelayMs: 50 });
  });

  after(async () => {
    await client?.close();
    await stack?.close();
  });

  beforeEach(() => {
    stack.kusto.clearFaults();
  });

  it('decodes a column of every scalar type, keeping longs and datetime digits exact', async () => {
    const response = await client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'AllDataTypes | order by Id asc' });
    const table = response.primaryResults[0];
    const column = (name: string): number => table.columns.findIndex((candidate) => candidate.name === name);
    const byId = new Map(allRows(table.rows).map((row) => [row[column('Id')], row]));
    const edge = byId.get(2)!;
    const minimum = byId.get(4)!;
    const maximum = byId.get(5)!;
    const nulls = byId.get(3)!;

    assert.deepEqual(
      table.columns.map((candidate) => candidate.type),
      ['int', 'string', 'bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'],
    );
    assert.equal(decodeValue('long', edge[column('LongValue')]), 9007199254740993n);
    assert.equal(formatKustoValue('long', minimum[column('LongValue')]), '-9223372036854775808');
    assert.equal(formatKustoValue('long', maximum[column('LongValue')]), '9223372036854775807');
    assert.ok(Number.isNaN(decodeValue('real', edge[column('RealValue')]) as number));
    assert.equal(decodeValue('real', minimum[column('RealValue')]), Number.NEGATIVE_INFINITY);
    assert.equal(formatKustoValue('decimal', edge[column('DecimalValue')]), '79228162514264337593543950335');
    assert.equal(formatKustoValue('datetime', edge[column('DateTimeValue')]), '2020-03-04T14:05:01.3109965Z');
    assert.equal((decodeValue('datetime', maximum[column('DateTimeValue')]) as Date).getUTCFullYear(), 9999);
    assert.equal(decodeValue('timespan', edge[column('TimeSpanValue')]), 93_784_000);
    assert.equal(minimum[column('StringValue')], 'Zürich 東京 🌩️ "quoted" \\ back\\slash');
    assert.deepEqual(edge[column('DynamicValue')], [1, 'two', { three: 3 }, null]);
    assert.equal(formatKustoValue('dynamic', maximum[column('DynamicValue')]), '{"emptyArray":[],"emptyObject":{},"number":1.5e+300}');
    assert.equal(nulls[column('BoolValue')], null);
    assert.equal(nulls[column('GuidValue')], null);
    assert.ok(response.statistics, 'query statistics are reported');
  });

  it('runs management commands through /v1/rest/mgmt', async () => {
    const response = await client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: '.show databases' });
    assert.equal(response.endpoint, 'mgmt');
    assert.equal(stack.kusto.requests.at(-1)?.path, '/v1/rest/mgmt');
    const names = allRows(response.primaryResults[0].rows).map((row) => row[0]);
    assert.ok(names.includes('Samples'));
  });

  it('sends the request id KE.<kind>;<uuid>, app and version headers, and asks the token for this cluster', async () => {
    tokens.calls.length = 0;
    const response = await client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'StormEvents | take 1', requestKind: 'Schema' });
    const recorded = stack.kusto.requests.at(-1)!;
    assert.match(String(recorded.headers['x-ms-client-request-id']), /^KE\.Schema;[0-9a-f-]{36}$/);
    assert.equal(recorded.headers['x-ms-client-request-id'], response.clientRequestId);
    assert.equal(recorded.headers['x-ms-app'], 'Kusto Explorer tests');
    assert.equal(recorded.headers['x-ms-client-version'], 'Kusto.Explorer.VSCode:test');
    assert.equal(recorded.path, '/v2/rest/query');
    assert.deepEqual(tokens.calls, [{ clusterUrl: stack.kusto.url, forceRefresh: false }]);
  });

  it('reports a semantic error as a query error with code, message and position', async () => {
    const error = await rejection(client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'StormEvents\n| where NoSuchColumn == 1' }), [aliceToken]);
    assert.equal(error.kind, 'query');
    assert.equal(error.httpStatus, 400);
    assert.match(error.code, /^SEM\d+$/);
    assert.match(error.message, /NoSuchColumn/);
    assert.deepEqual(error.position, { line: 2, column: 9 });
  });

  it('honours Retry-After of a 429 before retrying', async () => {
    stack.kusto.injectFault({ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1, match: 'PopulationData' });
    const before = stack.kusto.requests.length;
    const started = Date.now();
    const response = await client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'PopulationData | take 3' });
    const elapsed = Date.now() - started;
    assert.equal(response.primaryResults[0].rows.length, 3);
    assert.equal(stack.kusto.requests.length - before, 2);
    assert.ok(elapsed >= 1000, `waited ${elapsed} ms, Retry-After said 1 s`);
  });

  it('gives up on a cluster that stays unavailable, after maxRetries', async () => {
    stack.kusto.injectFault({ kind: 'status', status: 503, retryAfterSeconds: 0, times: 10, match: 'PopulationData' });
    const before = stack.kusto.requests.length;
    const error = await rejection(client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'PopulationData | take 3' }), [aliceToken]);
    assert.equal(stack.kusto.requests.length - before, 4);
    assert.equal(error.kind, 'server');
    assert.equal(error.httpStatus, 503);
    assert.match(error.message, /retried 3 times/);
  });

  it('on 401 gets a fresh token once and retries; a token for another cluster is rejected with the reason', async () => {
    const otherClusterToken = await getTestAccessToken(stack.signIn, 'https://other.kusto.windows.net');
    const refreshing = new TokenSourceForTests((forceRefresh) => (forceRefresh ? aliceToken : otherClusterToken));
    const refreshingClient = new KustoClient({ tokenSource: refreshing, application: 'tests', clientVersion: 'test' });
    try {
      const response = await refreshingClient.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'PopulationData | take 1' });
      assert.equal(response.primaryResults[0].rows.length, 1);
      assert.deepEqual(
        refreshing.calls.map((call) => call.forceRefresh),
        [false, true],
      );

      const wrongAudience = new TokenSourceForTests(() => otherClusterToken);
      const stuckClient = new KustoClient({ tokenSource: wrongAudience, application: 'tests', clientVersion: 'test' });
      try {
        const error = await rejection(stuckClient.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'PopulationData | take 1' }), [otherClusterToken]);
        assert.equal(wrongAudience.calls.length, 2);
        assert.equal(error.kind, 'auth');
        assert.match(error.message, /^The cluster rejected the token \(401\): .+\. Sign in to http:\/\/127\.0\.0\.1:\d+ again\.$/);
        assert.match(error.message, /audience/i);
      } finally {
        await stuckClient.close();
      }
    } finally {
      await refreshingClient.close();
    }
  });

  it('reports a database the user may not read as forbidden', async () => {
    const bobToken = await getTestAccessToken(stack.signIn, stack.kusto.url, 'bob@fabrikam.com');
    const bobClient = new KustoClient({ tokenSource: new TokenSourceForTests(() => bobToken), application: 'tests', clientVersion: 'test' });
    try {
      const error = await rejection(bobClient.execute({ clusterUrl: stack.kusto.url, database: 'SecurityLogs', text: 'SignInEvents | take 1' }), [bobToken]);
      assert.equal(error.kind, 'forbidden');
      assert.equal(error.httpStatus, 403);
      assert.match(error.message, /^Access denied \(403\)/);
    } finally {
      await bobClient.close();
    }
  });

  it('cancellation stops a running request at once', async () => {
    stack.kusto.injectFault({ kind: 'delay', ms: 10_000, match: 'PopulationData' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 150);
    const error = await rejection(
      client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'PopulationData | take 2', signal: controller.signal }),
      [aliceToken],
    );
    assert.equal(error.kind, 'cancelled');
    assert.ok(Date.now() - started < 2000);
  });

  it('a connection dropped mid-body is a network error saying how much arrived', async () => {
    stack.kusto.injectFault({ kind: 'dropMidBody', match: 'StormEvents' });
    const error = await rejection(client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'StormEvents | take 500' }), [aliceToken]);
    assert.equal(error.kind, 'network');
    assert.match(error.message, /^The connection to http:\/\/127\.0\.0\.1:\d+ was closed before the response was complete \(received [\d.]+ (KB|MB|bytes)\)\.$/);
  });

  it('malformed and truncated bodies are malformed-response errors naming the byte', async () => {
    stack.kusto.injectFault({ kind: 'malformedJson', match: 'StormEvents' });
    const malformed = await rejection(client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'StormEvents | take 200' }), [aliceToken]);
    assert.equal(malformed.kind, 'malformedResponse');
    assert.match(malformed.message, /^The response from http:\/\/127\.0\.0\.1:\d+ is not valid Kusto JSON at byte \d+/);

    stack.kusto.injectFault({ kind: 'truncated', match: 'StormEvents' });
    const truncated = await rejection(client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: 'StormEvents | take 200' }), [aliceToken]);
    assert.equal(truncated.kind, 'malformedResponse');
    assert.match(truncated.message, /ends before the JSON document is complete/);
  });

  it('streams a large result with progress reports', async () => {
    const progress: number[] = [];
    const response = await client.execute({
      clusterUrl: stack.kusto.url,
      database: 'Samples',
      text: 'StormEventsLarge | take 20000',
      onProgress: ({ rowsReceived }) => progress.push(rowsReceived),
    });
    assert.equal(response.primaryResults[0].rows.length, 20_000);
    assert.ok(progress.length >= 3, `progress reported ${progress.length} times`);
    assert.ok(progress.every((count, index) => index === 0 || count >= progress[index - 1]));
  });
});
