// Faults, streaming, gzip and disconnects of the local Kusto server: what the extension's client must survive.

import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { RunningKustoServer, createJwksTokenVerifier, startKustoServer } from '../../src/localServers/kusto/kustoServer';
import { parseFrames, primaryTables, queryV2, rawRequest } from '../support/kustoTestClient';
import { createTestTokenIssuer } from '../support/testTokens';

describe('local Kusto server: faults and streaming', () => {
  let server: RunningKustoServer;
  let token: string;
  const logLines: string[] = [];

  before(async () => {
    const issuer = createTestTokenIssuer();
    server = await startKustoServer({ tokenVerifier: createJwksTokenVerifier(issuer.jwks), log: (line) => logLines.push(line) });
    token = issuer.sign({ audience: server.url, upn: 'alice@contoso.com' });
  });

  afterEach(() => {
    server.clearFaults();
  });

  after(async () => {
    await server.close();
  });

  it('answers 429 with Retry-After for the injected number of times, then recovers', async () => {
    server.injectFault({ kind: 'status', status: 429, retryAfterSeconds: 2, times: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await queryV2(server.url, token, 'Samples', 'print 1');
      assert.equal(response.status, 429);
      assert.equal(response.headers['retry-after'], '2');
      assert.equal((JSON.parse(response.text) as { error: { code: string } }).error.code, 'TooManyRequests');
    }
    assert.equal((await queryV2(server.url, token, 'Samples', 'print 1')).status, 200);
  });

  it('applies a fault only to queries containing its match text', async () => {
    server.injectFault({ kind: 'status', status: 503, match: 'StormEvents' });
    assert.equal((await queryV2(server.url, token, 'Samples', 'print 1')).status, 200);
    const failed = await queryV2(server.url, token, 'Samples', 'StormEvents | take 1');
    assert.equal(failed.status, 503);
    assert.equal((JSON.parse(failed.text) as { error: { code: string; '@permanent': boolean } }).error['@permanent'], false);
    assert.equal((await queryV2(server.url, token, 'Samples', 'StormEvents | take 1')).status, 200);
  });

  it('delays a response by the requested time', async () => {
    server.injectFault({ kind: 'delay', ms: 400 });
    const started = Date.now();
    const response = await queryV2(server.url, token, 'Samples', 'print 1');
    assert.equal(response.status, 200);
    assert.ok(Date.now() - started >= 380, `took ${Date.now() - started} ms`);
  });

  it('can drop the connection mid-body, send malformed JSON, or end a truncated body', async () => {
    server.injectFault({ kind: 'dropMidBody' });
    const dropped = await queryV2(server.url, token, 'Samples', 'StormEvents | take 20');
    assert.equal(dropped.status, 200);
    assert.ok(dropped.error, 'the client sees the connection break');
    assert.throws(() => JSON.parse(dropped.text));

    server.injectFault({ kind: 'malformedJson' });
    const malformed = await queryV2(server.url, token, 'Samples', 'StormEvents | take 20');
    assert.equal(malformed.status, 200);
    assert.equal(malformed.error, undefined);
    assert.throws(() => JSON.parse(malformed.text), SyntaxError);

    server.injectFault({ kind: 'truncated' });
    const truncated = await queryV2(server.url, token, 'Samples', 'StormEvents | take 20');
    assert.equal(truncated.status, 200);
    assert.equal(truncated.error, undefined, 'the body ends cleanly');
    assert.ok(!truncated.text.includes('DataSetCompletion'));
    assert.throws(() => JSON.parse(truncated.text), SyntaxError);
  });

  it('takes faults over HTTP (POST/DELETE /_test/faults) and rejects invalid ones clearly', async () => {
    const control = { headers: { 'x-local-control-token': server.controlToken } };
    const added = await rawRequest(server.url, '/_test/faults', { kind: 'status', status: 500 }, control);
    assert.equal(added.status, 200);
    const failed = await queryV2(server.url, token, 'Samples', 'print 1');
    assert.equal(failed.status, 500);
    await rawRequest(server.url, '/_test/faults', { kind: 'status', status: 503, times: 5 }, control);
    assert.equal((await rawRequest(server.url, '/_test/faults', undefined, { ...control, method: 'DELETE' })).status, 200);
    assert.equal((await queryV2(server.url, token, 'Samples', 'print 1')).status, 200);
    const invalid = await rawRequest(server.url, '/_test/faults', { kind: 'status', status: 418 }, control);
    assert.equal(invalid.status, 400);
    assert.match(invalid.text, /needs .*429, 500 or 503/);
    assert.throws(() => server.injectFault({ kind: 'explode' } as never), /Unknown fault kind "explode"/);
  });

  it('gzips the body when the client accepts gzip, as a stream', async () => {
    const response = await rawRequest(server.url, '/v2/rest/query', { db: 'Samples', csl: 'StormEvents | take 2000' }, { token, headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-encoding'], 'gzip');
    assert.equal(response.headers['content-length'], undefined, 'streamed (chunked), not buffered');
    const text = zlib.gunzipSync(response.body).toString('utf8');
    assert.ok(response.body.length < text.length / 3, 'compressed');
    const frames = JSON.parse(text) as Array<{ TableKind?: string; Rows?: unknown[] }>;
    assert.equal(frames.find((f) => f.TableKind === 'PrimaryResult')?.Rows?.length, 2000);
  });

  it('streams a 100,000-row StormEventsLarge result: first bytes arrive long before the last', async () => {
    const started = Date.now();
    let firstByteAt = 0;
    let bytes = 0;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const request = http.request(`${server.url}/v2/rest/query`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (response) => {
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['transfer-encoding'], 'chunked');
        response.on('data', (chunk: Buffer) => {
          firstByteAt ||= Date.now();
          bytes += chunk.length;
          chunks.push(chunk);
        });
        response.on('end', resolve);
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(JSON.stringify({ db: 'Samples', csl: 'StormEventsLarge | take 100000', properties: { Options: { notruncation: true } } }));
    });
    const finished = Date.now();
    assert.ok(bytes > 40_000_000, `a StormEvents row is ~500 bytes; got ${bytes} bytes`);
    assert.ok(firstByteAt - started < (finished - started) / 2, `first byte after ${firstByteAt - started} ms of ${finished - started} ms`);
    const frames = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ TableKind?: string; Rows?: unknown[] }>;
    assert.equal(frames.find((f) => f.TableKind === 'PrimaryResult')?.Rows?.length, 100_000);
  });

  it('cuts a result at truncationmaxsize bytes with a partial-failure error', async () => {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'StormEventsLarge | take 1000000 | project State', { Options: { truncationmaxsize: 1000 } }));
    const rows = primaryTables(frames)[0].Rows as unknown[];
    const error = rows[rows.length - 1] as { OneApiErrors: Array<{ error: { '@message': string } }> };
    assert.match(error.OneApiErrors[0].error['@message'], /limit of 1000 bytes/);
    assert.ok(rows.length < 100);
  });

  it('stops generating rows when the client disconnects mid-stream', async () => {
    const linesBefore = logLines.length;
    await new Promise<void>((resolve, reject) => {
      const request = http.request(`${server.url}/v2/rest/query`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error)));
      request.end(JSON.stringify({ db: 'Samples', csl: 'StormEventsLarge', properties: { Options: { notruncation: true } } }));
    });
    const deadline = Date.now() + 10_000;
    while (!logLines.slice(linesBefore).some((line) => line.includes('client disconnected')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(logLines.slice(linesBefore).some((line) => line.includes('client disconnected')), 'the server noticed and stopped');
    assert.equal((await queryV2(server.url, token, 'Samples', 'print still = "alive"')).status, 200);
  });
});
