// The client against a local server that behaves like a real cluster and the gateways in front of it (issue 20):
// compressed error bodies, cancel reaching the server, bounded responses, no resend of commands that may have run,
// error bodies that are not Kusto JSON, and dynamic values kept exactly as sent.

import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { request as httpRequest } from 'undici';
import type { AccessTokenSource } from '../../src/core/auth/accessTokenSource';
import { KustoClient } from '../../src/core/kusto/kustoClient';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import type { ServerCancelOutcome } from '../../src/core/kusto/serverCancel';
import { formatKustoValue } from '../../src/core/kusto/valueDecoding';
import { startLocalStack, type LocalStack } from '../../src/localServers/localStack';
import { getTestAccessToken } from '../support/signInTestTokens';

async function failure(promise: Promise<unknown>): Promise<KustoRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KustoRequestError, `expected a KustoRequestError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('KustoClient against a server that behaves like a real cluster', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let token: string;
  let client: KustoClient;
  const serverLog: string[] = [];

  before(async () => {
    stack = await startLocalStack({ log: (line) => serverLog.push(line) });
    token = await getTestAccessToken(stack.signIn, stack.kusto.url);
    const tokens: AccessTokenSource = { getToken: async () => token };
    client = new KustoClient({ tokenSource: tokens, application: 'tests', clientVersion: 'test', retryBaseDelayMs: 20 });
  });
  after(async () => {
    await client?.close();
    await stack?.close();
  });
  beforeEach(() => stack.kusto.clearFaults());

  const run = (text: string, extra: Partial<Parameters<KustoClient['execute']>[0]> = {}) =>
    client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text, ...extra });

  it('the server gzips error bodies for a client that accepts gzip, and the client shows code, message and position', async () => {
    const raw = await httpRequest(`${stack.kusto.url}/v2/rest/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-encoding': 'gzip, deflate' },
      body: JSON.stringify({ db: 'Samples', csl: 'StormEvents | tak 5' }),
    });
    assert.equal(raw.statusCode, 400);
    assert.equal(raw.headers['content-encoding'], 'gzip');
    const decoded = JSON.parse(zlib.gunzipSync(Buffer.from(await raw.body.arrayBuffer())).toString('utf8')) as { error: { code: string } };
    assert.equal(decoded.error.code, 'General_BadRequest');

    const error = await failure(run('StormEvents | tak 5'));
    assert.equal(error.kind, 'query');
    assert.equal(error.httpStatus, 400);
    assert.equal(error.code, 'SYN0002');
    assert.match(error.message, /^Syntax error: SYN0002: Query could not be parsed at 'tak'/);
    assert.deepEqual(error.position, { line: 1, column: 15 });

    const bobToken = await getTestAccessToken(stack.signIn, stack.kusto.url, 'bob@fabrikam.com');
    const bob = new KustoClient({ tokenSource: { getToken: async () => bobToken }, application: 'tests', clientVersion: 'test' });
    try {
      const forbidden = await failure(bob.execute({ clusterUrl: stack.kusto.url, database: 'SecurityLogs', text: 'SigninLogs | take 1' }));
      assert.equal(forbidden.kind, 'forbidden');
      assert.match(forbidden.message, /^Access denied \(403\): Principal 'aaduser=[^']+' is not authorized/);
      assert.doesNotMatch(forbidden.message, /[\u0000-\u0008\uFFFD]/, 'no binary garbage');
    } finally {
      await bob.close();
    }
  });

  it('cancelling a running query sends .cancel query with its request id; the server stops it and the outcome is reported', async () => {
    stack.kusto.injectFault({ kind: 'delay', ms: 20_000, match: 'PopulationData' });
    const controller = new AbortController();
    const outcome = new Promise<ServerCancelOutcome>((resolve) => {
      setTimeout(() => controller.abort(), 300);
      void failure(run('PopulationData | take 2', { signal: controller.signal, onServerCancel: resolve })).then((error) => assert.equal(error.kind, 'cancelled'));
    });
    const reported = await outcome;
    assert.equal(reported.status, 'cancelled');
    const query = stack.kusto.requests.find((r) => r.csl === 'PopulationData | take 2');
    const queryId = query?.headers['x-ms-client-request-id'];
    assert.equal(reported.clientRequestId, queryId);
    const cancel = stack.kusto.requests.find((r) => r.csl?.startsWith('.cancel query'));
    assert.ok(cancel, 'the cancel command reached the server');
    assert.equal(cancel.path, '/v1/rest/mgmt');
    assert.equal(cancel.db, 'Samples');
    assert.ok(cancel.csl?.includes(`"${String(queryId)}"`));
    assert.match(String(cancel.headers['x-ms-client-request-id']), /^KE\.CancelQuery;/);
    assert.deepEqual(stack.kusto.cancelledQueries, [queryId]);
    assert.ok(serverLog.some((line) => line.includes(`.cancel query: cancelled ${String(queryId)}`)));
  });

  it('a cancel that cannot reach the cluster is reported as failed, never thrown', async () => {
    const outcome = await client.cancelQuery({ clusterUrl: 'http://127.0.0.1:9', database: 'Samples', clientRequestId: 'KE.RunQuery;x' });
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message, /Could not reach http:\/\/127\.0\.0\.1:9/);
  });

  it('fails with a clear error when a table has more rows than truncationmaxrecords asked for', async () => {
    stack.kusto.injectFault({ kind: 'ignoreRowLimit' });
    const error = await failure(run('StormEvents | take 500', { resultRowLimit: 100 }));
    assert.equal(error.code, 'RowLimitExceeded');
    assert.match(error.message, /sent more than 100 rows in one table.*kusto\.query\.resultRowLimit/);
    const fine = await run('StormEvents | take 100', { resultRowLimit: 100 });
    assert.equal(fine.primaryResults[0]?.rows.length, 100);
  });

  it('lets a query lift the row limit in its own text (set notruncation), as the server does', async () => {
    const lifted = await run('set notruncation;\nStormEvents | take 500', { resultRowLimit: 100 });
    assert.equal(lifted.primaryResults[0]?.rows.length, 500);
    // A server that ignored the limit the text set is still held to it.
    stack.kusto.injectFault({ kind: 'ignoreRowLimit' });
    const lowered = await failure(run('set truncationmaxrecords = 50;\nStormEvents | take 60', { resultRowLimit: 1000 }));
    assert.equal(lowered.code, 'RowLimitExceeded');
  });

  it('stops reading a gzip body that inflates past the byte cap, naming the setting', async () => {
    stack.kusto.injectFault({ kind: 'gzipBomb', megabytes: 64 });
    const before = process.memoryUsage().rss;
    const error = await failure(run('print 1', { maxResponseBytes: 4 * 1024 * 1024 }));
    assert.equal(error.code, 'ResponseTooLarge');
    assert.match(error.message, /larger than 4\.0 MB after decompression.*kusto\.query\.maxResponseMegabytes/);
    assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024, 'the body was not read to its end');
  });

  it('does not send a non-read-only command again after a connection reset; queries and .show are retried', async () => {
    stack.kusto.injectFault({ kind: 'resetBeforeResponse', match: '.set-or-append' });
    const text = '.set-or-append Logs <| print 1';
    const error = await failure(run(text));
    assert.equal(error.code, 'ConnectionDropped');
    assert.match(error.message, /dropped before the cluster answered; the command may or may not have run/);
    assert.equal(stack.kusto.requests.filter((r) => r.csl === text).length, 1, 'sent once');

    stack.kusto.injectFault({ kind: 'resetBeforeResponse', match: '.show tables' });
    const tables = await run('.show tables');
    assert.ok(tables.primaryResults[0]!.rows.length > 0);
    stack.kusto.injectFault({ kind: 'resetBeforeResponse', match: 'print 42' });
    const printed = await run('print 42');
    assert.equal(printed.primaryResults[0]!.rows.at(0)[0], 42);
    assert.equal(stack.kusto.requests.filter((r) => r.csl === 'print 42').length, 2, 'the query was sent again');
  });

  it('shows a gateway HTML page as its status and a short text extract', async () => {
    stack.kusto.injectFault({ kind: 'htmlError' });
    const error = await failure(run('print 1'));
    assert.equal(error.httpStatus, 502);
    assert.match(error.message, /\(502\): an HTML page: "502 Bad Gateway — nginx\/1\.25\.3 — upstream kusto-engine unreachable"/);
    assert.doesNotMatch(error.message, /<|telemetry|font-family/);
  });

  it('says so when an error body is not valid UTF-8', async () => {
    stack.kusto.injectFault({ kind: 'invalidUtf8Error' });
    const error = await failure(run('print 1'));
    assert.equal(error.httpStatus, 400);
    assert.match(error.message, /Request is invalid: name 'Caf.+' is not valid\. \(the error body is not valid UTF-8/);
  });

  it('keeps integers beyond 2^53, long decimals and -0 inside dynamic values as the server sent them', async () => {
    const literal = '{"big":9007199254740993,"dec":0.1000000000000000055511151231257827,"neg":-0,"list":[-0,12345678901234567890]}';
    const response = await run(`print d = dynamic(${literal}), n = 1`);
    const table = response.primaryResults[0]!;
    assert.equal(formatKustoValue('dynamic', table.rows.at(0)[0]), literal);
    assert.equal(formatKustoValue('dynamic', table.rows.slice(0, 1)[0]![0]), literal);
    assert.equal(table.rows.at(0)[1], 1);
  });

  it('shows a dynamic value nested too deeply as one cell "too deep to render", the rest of the row intact', async () => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const response = await run(`print d = dynamic(${deep}), s = "next cell"`);
    const row = response.primaryResults[0]!.rows.at(0);
    assert.match(String(formatKustoValue('dynamic', row[0])), /too deep to render/);
    assert.equal(row[1], 'next cell');
  });
});
