// The client against a small real HTTP server on 127.0.0.1 that answers each request the way a test scripts it:
// wire details the local Kusto server does not produce (HTTP-date Retry-After, resets before any byte, deflate,
// WWW-Authenticate reasons, a body that stalls).

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { SignInRequiredError, type AccessTokenSource, type TokenRequestOptions } from '../../src/core/auth/accessTokenSource';
import { InvalidClusterUrlError } from '../../src/core/clusterUrl';
import { KustoClient, type KustoClientOptions } from '../../src/core/kusto/kustoClient';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import { allRows } from '../../src/core/kusto/kustoRows';

const fixturesDirectory = path.resolve(__dirname, '../../../test/fixtures/kusto');
const allTypesBody = fs.readFileSync(path.join(fixturesDirectory, 'v2-all-types.json'));
const semanticErrorBody = fs.readFileSync(path.join(fixturesDirectory, 'error-semantic-400.json'));
const SECRET_TOKEN = 'eyJhbGciOiJub25lIn0.c2VjcmV0LXRva2VuLXRleHQ.c2lnbmF0dXJl';

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse, attempt: number) => void;

class ScriptedServer {
  readonly seen: SeenRequest[] = [];
  handler: Handler = (_request, response) => response.end();
  closedResponses = 0;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.on('close', () => {
        if (!response.writableFinished) {
          this.closedResponses++;
        }
      });
      this.handler(request, response, this.seen.length);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(handler: Handler): void {
    this.seen.length = 0;
    this.closedResponses = 0;
    this.handler = handler;
  }
}

class RecordingTokenSource implements AccessTokenSource {
  readonly calls: Array<{ clusterUrl: string; forceRefresh: boolean }> = [];
  constructor(private readonly tokens: (forceRefresh: boolean) => Promise<string> = async () => SECRET_TOKEN) {}
  getToken(clusterUrl: string, options?: TokenRequestOptions): Promise<string> {
    this.calls.push({ clusterUrl, forceRefresh: options?.forceRefresh === true });
    return this.tokens(options?.forceRefresh === true);
  }
}

function sendJson(response: http.ServerResponse, status: number, body: Buffer | string, headers: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(body);
}

async function rejection(promise: Promise<unknown>): Promise<KustoRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KustoRequestError, `expected a KustoRequestError, got ${String(error)}`);
    assert.ok(!error.message.includes(SECRET_TOKEN), 'no token text in the message');
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('KustoClient over HTTP (scripted server)', function () {
  this.timeout(30_000);
  const server = new ScriptedServer();
  let clusterUrl: string;
  const clients: KustoClient[] = [];

  function client(tokenSource: AccessTokenSource = new RecordingTokenSource(), options: Partial<KustoClientOptions> = {}): KustoClient {
    const created = new KustoClient({
      tokenSource,
      application: 'Kusto Explorer tests',
      clientVersion: 'Kusto.Explorer.VSCode:0.0.0-test',
      retryBaseDelayMs: 20,
      ...options,
    });
    clients.push(created);
    return created;
  }

  before(async () => {
    clusterUrl = await server.start();
  });

  after(async () => {
    await Promise.all(clients.map((created) => created.close()));
    await server.stop();
  });

  it('posts the documented body and headers, and returns the tables of the response', async () => {
    server.reset((_request, response) => sendJson(response, 200, allTypesBody));
    const tokens = new RecordingTokenSource();
    const response = await client(tokens).execute({
      clusterUrl: `${clusterUrl.toUpperCase().replace('HTTP', 'http')}/some/path?x=1`,
      database: 'Samples',
      text: 'StormEvents | take 5',
      serverTimeoutMs: 90_000,
      resultRowLimit: 1000,
      properties: { query_language: 'csl', Parameters: { state: 'TEXAS' } },
      requestKind: 'QueryFirstRows',
    });
    assert.equal(server.seen.length, 1);
    const seen = server.seen[0];
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/v2/rest/query');
    assert.equal(seen.headers.authorization, `Bearer ${SECRET_TOKEN}`);
    assert.match(String(seen.headers['x-ms-client-request-id']), /^KE\.QueryFirstRows;[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(response.clientRequestId, seen.headers['x-ms-client-request-id']);
    assert.equal(seen.headers['x-ms-app'], 'Kusto Explorer tests');
    assert.equal(seen.headers['x-ms-client-version'], 'Kusto.Explorer.VSCode:0.0.0-test');
    assert.equal(seen.headers.accept, 'application/json');
    assert.equal(seen.headers['accept-encoding'], 'gzip, deflate');
    assert.equal(seen.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(seen.body), {
      db: 'Samples',
      csl: 'StormEvents | take 5',
      properties: { Options: { servertimeout: '00:01:30', truncationmaxrecords: 1000, query_language: 'csl' }, Parameters: { state: 'TEXAS' } },
    });
    // The token is asked for the canonical cluster URL, never anything else.
    assert.deepEqual(tokens.calls, [{ clusterUrl, forceRefresh: false }]);
    assert.equal(response.endpoint, 'query');
    assert.equal(response.primaryResults.length, 1);
    assert.equal(response.primaryResults[0].rows.at(0)[5], '9007199254740993');
    assert.equal(response.allTables.length, 3);
    assert.equal(response.statistics?.executionTimeSeconds, 0.0316843);
    assert.equal(response.visualization?.type, 'timechart');
    assert.ok(response.elapsedMs > 0);
  });

  it('sends management commands (also after // comments) to /v1/rest/mgmt', async () => {
    server.reset((_request, response) => sendJson(response, 200, fs.readFileSync(path.join(fixturesDirectory, 'v1-show-databases.json'))));
    const response = await client().execute({ clusterUrl, database: '', text: '// all of them\n.show databases' });
    assert.equal(server.seen[0].url, '/v1/rest/mgmt');
    assert.equal(JSON.parse(server.seen[0].body).properties.Options.servertimeout, '00:10:00');
    assert.equal(response.endpoint, 'mgmt');
    assert.equal(response.primaryResults[0].rows.length, 2);
  });

  it('decodes gzip and deflate bodies as they stream', async () => {
    for (const [encoding, compress] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
    ] as const) {
      server.reset((_request, response) => {
        const compressed = compress(allTypesBody);
        response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
        // Dribble it out in small pieces.
        let offset = 0;
        const next = (): void => {
          if (offset >= compressed.length) {
            response.end();
            return;
          }
          response.write(compressed.subarray(offset, offset + 100));
          offset += 100;
          setImmediate(next);
        };
        next();
      });
      const response = await client().execute({ clusterUrl, database: 'Samples', text: 'T' });
      assert.equal(response.primaryResults[0].rows.at(0)[7], 'quote " backslash \\ slash / tab \t newline \n unicode é 😀 ü€😀 [brackets] {braces} ,commas,', encoding);
    }
  });

  it('a corrupt gzip body is a malformed response, not a crash', async () => {
    server.reset((_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.end(Buffer.from('this is not gzip at all'));
    });
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(error.kind, 'malformedResponse');
    assert.match(error.message, /could not be decompressed/);
  });

  it('reports a 400 semantic error with Kusto code, message and position, without retrying', async () => {
    server.reset((_request, response) => sendJson(response, 400, semanticErrorBody));
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'StormEvents\n| where Foo == 1' }));
    assert.equal(server.seen.length, 1);
    assert.equal(error.kind, 'query');
    assert.equal(error.httpStatus, 400);
    assert.equal(error.code, 'SEM0100');
    assert.match(error.message, /Failed to resolve scalar expression named 'Foo'/);
    assert.deepEqual(error.position, { line: 2, column: 9 });
    assert.match(error.clientRequestId, /^KE\.RunQuery;/);
    assert.equal(error.clusterUrl, clusterUrl);
  });

  it('a 200 whose body is a OneApi error fails as a query error', async () => {
    server.reset((_request, response) => sendJson(response, 200, fs.readFileSync(path.join(fixturesDirectory, 'error-syntax-200-body.json'))));
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'PerfTest take 5' }));
    assert.equal(error.kind, 'query');
    assert.equal(error.code, 'SYN0002');
    // [line:position=1:9]: `take` is the tenth character of 'PerfTest take 5'.
    assert.deepEqual(error.position, { line: 1, column: 10 });
  });

  it('keeps the rows of a 200 with a partial failure and lists the errors', async () => {
    server.reset((_request, response) => sendJson(response, 200, fs.readFileSync(path.join(fixturesDirectory, 'v2-partial-error-end-of-table.json'))));
    const response = await client().execute({ clusterUrl, database: 'Samples', text: 'T' });
    assert.deepEqual(allRows(response.primaryResults[0].rows), [[1], [2]]);
    assert.equal(response.partialErrors.length, 1);
    assert.equal(response.partialErrors[0].code, 'LimitsExceeded');
  });

  it('waits as long as an HTTP-date Retry-After says, then succeeds', async () => {
    let retryAt = 0;
    server.reset((_request, response, attempt) => {
      if (attempt === 1) {
        retryAt = Math.ceil((Date.now() + 1500) / 1000) * 1000;
        sendJson(response, 429, '{"error":{"code":"TooManyRequests","message":"throttled"}}', { 'retry-after': new Date(retryAt).toUTCString() });
      } else {
        sendJson(response, 200, allTypesBody);
      }
    });
    await client().execute({ clusterUrl, database: 'Samples', text: 'T' });
    assert.equal(server.seen.length, 2);
    const secondArrival = Date.now();
    assert.ok(secondArrival >= retryAt - 50, `retried ${retryAt - secondArrival} ms before the Retry-After date`);
  });

  it('gives up on 429 after maxRetries, saying how often it retried and when to try again', async () => {
    server.reset((_request, response) => sendJson(response, 429, '', { 'retry-after': '1' }));
    const started = Date.now();
    const error = await rejection(client(undefined, { maxRetries: 2 }).execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(server.seen.length, 3);
    assert.ok(Date.now() - started >= 2000, 'waited Retry-After before each retry');
    assert.equal(error.kind, 'throttled');
    assert.equal(error.httpStatus, 429);
    assert.equal(error.retryAfterMs, 1000);
    assert.equal(error.message, 'Too many requests (429); retried 2 times; try again in 1 s.');
  });

  it('fails at once when Retry-After is longer than the longest wait it accepts', async () => {
    server.reset((_request, response) => sendJson(response, 503, '', { 'retry-after': '20' }));
    const error = await rejection(client(undefined, { maxRetryDelayMs: 5000 }).execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(server.seen.length, 1);
    assert.equal(error.kind, 'server');
    assert.equal(error.retryAfterMs, 20_000);
    assert.match(error.message, /unavailable \(503\); retried 0 times; try again in 20 s/);
  });

  it('retries a connection reset before any response byte', async () => {
    server.reset((request, response, attempt) => {
      if (attempt === 1) {
        request.socket.destroy();
      } else {
        sendJson(response, 200, allTypesBody);
      }
    });
    const response = await client().execute({ clusterUrl, database: 'Samples', text: 'T' });
    assert.equal(server.seen.length, 2);
    assert.equal(response.primaryResults[0].rows.length, 5);
  });

  it('reports a cluster that keeps resetting as a network error after its retries', async () => {
    server.reset((request) => request.socket.destroy());
    const error = await rejection(client(undefined, { maxRetries: 2 }).execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(server.seen.length, 3);
    assert.equal(error.kind, 'network');
    assert.match(error.message, /^Could not reach http:\/\/127\.0\.0\.1:\d+: the connection was closed before any response \(retried 2 times\)/);
  });

  it('a refused connection fails fast with a network error', async () => {
    const closed = new ScriptedServer();
    const closedUrl = await closed.start();
    await closed.stop();
    const error = await rejection(client().execute({ clusterUrl: closedUrl, database: 'Samples', text: 'T' }));
    assert.equal(error.kind, 'network');
    assert.match(error.message, /the connection was refused/);
  });

  it('on 401 refreshes the token once and retries; a second 401 is an auth error with the reason', async () => {
    server.reset((request, response) => {
      if (request.headers.authorization === 'Bearer fresh-token-value') {
        sendJson(response, 200, allTypesBody);
        return;
      }
      sendJson(response, 401, '', {
        'www-authenticate': `Bearer authorization_uri="https://login.example/common", error="invalid_token", error_description="The token's audience does not match ${clusterUrl}"`,
      });
    });
    const refreshing = new RecordingTokenSource(async (forceRefresh) => (forceRefresh ? 'fresh-token-value' : SECRET_TOKEN));
    const response = await client(refreshing).execute({ clusterUrl, database: 'Samples', text: 'T' });
    assert.equal(response.primaryResults.length, 1);
    assert.deepEqual(refreshing.calls, [
      { clusterUrl, forceRefresh: false },
      { clusterUrl, forceRefresh: true },
    ]);

    const stale = new RecordingTokenSource();
    const error = await rejection(client(stale).execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(stale.calls.length, 2);
    assert.equal(error.kind, 'auth');
    assert.equal(error.httpStatus, 401);
    assert.equal(error.message, `The cluster rejected the token (401): The token's audience does not match ${clusterUrl}. Sign in to ${clusterUrl} again.`);
  });

  it('lets SignInRequiredError from the token source through unchanged, before any request', async () => {
    server.reset((_request, response) => sendJson(response, 200, allTypesBody));
    const signInRequired = new SignInRequiredError(clusterUrl, 'no account is signed in');
    const error = await client(new RecordingTokenSource(() => Promise.reject(signInRequired)))
      .execute({ clusterUrl, database: 'Samples', text: 'T' })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    assert.equal(error, signInRequired);
    assert.equal(server.seen.length, 0);
  });

  it('maps 403 and 404 with the server message', async () => {
    server.reset((_request, response) =>
      sendJson(response, 403, JSON.stringify({ error: { code: 'Forbidden', message: "Principal 'bob@fabrikam.com' is not authorized to read database 'SecurityLogs'." } })),
    );
    const forbidden = await rejection(client().execute({ clusterUrl, database: 'SecurityLogs', text: 'T' }));
    assert.equal(forbidden.kind, 'forbidden');
    assert.match(forbidden.message, /^Access denied \(403\): Principal 'bob@fabrikam.com' is not authorized to read database 'SecurityLogs'\. Ask an admin/);

    server.reset((_request, response) => sendJson(response, 404, '{"error":{"code":"NotFound","message":"Database \'Nope\' was not found."}}'));
    const notFound = await rejection(client().execute({ clusterUrl, database: 'Nope', text: 'T' }));
    assert.equal(notFound.kind, 'notFound');
    assert.match(notFound.message, /Database 'Nope' was not found/);
  });

  it('reports a non-JSON gateway error with its status', async () => {
    server.reset((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body>Bad Gateway</body></html>');
    });
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(error.kind, 'server');
    assert.equal(error.httpStatus, 502);
    assert.match(error.message, /failed to run the request \(502\)/);
  });

  it('cancels while waiting to retry, at once', async () => {
    server.reset((_request, response) => sendJson(response, 429, '', { 'retry-after': '10' }));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'T', signal: controller.signal }));
    assert.equal(error.kind, 'cancelled');
    assert.ok(Date.now() - started < 2000, 'did not wait for the retry delay');
    assert.equal(server.seen.length, 1);
  });

  it('cancels in the middle of the body and closes the connection', async () => {
    server.reset((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(allTypesBody.subarray(0, 500)); // then stall
    });
    const controller = new AbortController();
    const progress: number[] = [];
    const pending = client().execute({
      clusterUrl,
      database: 'Samples',
      text: 'T',
      signal: controller.signal,
      onProgress: ({ rowsReceived }) => progress.push(rowsReceived),
    });
    setTimeout(() => controller.abort(), 300);
    const error = await rejection(pending);
    assert.equal(error.kind, 'cancelled');
    assert.equal(error.message, 'The request was cancelled.');
    for (let waited = 0; server.closedResponses === 0 && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(server.closedResponses, 1, 'the server saw the connection close');
  });

  it('a signal aborted before the call fails without contacting the cluster', async () => {
    server.reset((_request, response) => sendJson(response, 200, allTypesBody));
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'T', signal: AbortSignal.abort() }));
    assert.equal(error.kind, 'cancelled');
    assert.equal(server.seen.length, 0);
  });

  it('a connection closed mid-body says how much was received', async () => {
    server.reset((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write(allTypesBody.subarray(0, 1500), () => setTimeout(() => response.socket?.destroy(), 20));
    });
    const error = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'T' }));
    assert.equal(error.kind, 'network');
    assert.equal(error.message, `The connection to ${clusterUrl} was closed before the response was complete (received 1.5 KB).`);
  });

  it('rejects bad input with clear errors before sending anything', async () => {
    server.reset((_request, response) => sendJson(response, 200, allTypesBody));
    const empty = await rejection(client().execute({ clusterUrl, database: 'Samples', text: '  \n ' }));
    assert.equal(empty.kind, 'query');
    assert.match(empty.message, /query text is empty/);
    await assert.rejects(client().execute({ clusterUrl: 'http://example.com', database: 'Samples', text: 'T' }), InvalidClusterUrlError);
    const badLimit = await rejection(client().execute({ clusterUrl, database: 'Samples', text: 'T', resultRowLimit: 0 }));
    assert.match(badLimit.message, /row limit/);
    assert.equal(server.seen.length, 0);
    assert.throws(() => new KustoClient({ tokenSource: new RecordingTokenSource(), application: 'a', clientVersion: 'b', maxRetries: -1 }), /maxRetries/);
  });
});
