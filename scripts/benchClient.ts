// Client benchmark: this extension's KustoClient vs the official SDK (azure-kusto-data) vs the floor
// (undici + JSON.parse of the whole body), on StormEvents-shaped results of 10k, 100k and 500k rows.
// Each measurement runs in a fresh child process, so peak RSS belongs to that client alone.
//
// Two moments are timed for every client, from the request:
//  - rows ready: the caller holds the whole result and has read its first page (100 rows, what the grid shows
//    first) and its last row, so every row is known and readable. Our client keeps rows as the bytes received
//    and parses on read; the SDK and the floor parse the whole body before anything can be read.
//  - every row read: all rows of the result read, each value touched (what an export or a full scan costs).
// Peak RSS is taken at each moment. The targets are judged on "rows ready"; both are printed. The memory target
// is judged on the peak RSS above the process just before the query (see aboveWarm); the whole process's peak is
// printed beside it.
//
//   npx tsc -p . && node out/scripts/benchClient.js [--rows 10000,100000,500000] [--source local|static] [--repeat N] [--cold]
//
// --source local (default): the local Kusto server (StormEventsLarge, gzip as the client asks), with a real token
// from the local sign-in server. --source static: a plain node:http server replaying a generated v2 body as is.

import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';

const CLIENTS = ['kustoExplorer', 'azureKustoData', 'undiciJsonParse'] as const;
type ClientName = (typeof CLIENTS)[number];

interface Measurement {
  readonly client: ClientName;
  readonly rows: number;
  /** Request to rows ready (first page and last row read). */
  readonly ms: number;
  readonly peakRssMb: number;
  /** Request to every row read. */
  readonly allRowsMs: number;
  readonly allRowsPeakRssMb: number;
  /** RSS of the process just before the measured query: Node, the client's modules, one small request done. */
  readonly warmRssMb: number;
  /** The same query again, rows ready: the steady state once a result this large has been received before. */
  readonly steadyMs: number;
}

/** A result as each client gives it: how many rows, a page of rows, and every row one after the other. */
interface ReadableResult {
  readonly rowCount: number;
  page(start: number, count: number): unknown[][];
  forEachRow(visit: (row: unknown[]) => void): void;
}

const FIRST_PAGE_ROWS = 100;
const WARM_UP_ROWS = 1000;

/** Touches every value of a row, so a lazily decoded row is really decoded. */
function touch(row: unknown[]): number {
  let count = 0;
  for (let index = 0; index < row.length; index++) {
    if (row[index] !== undefined) count++;
  }
  return count;
}

const DATABASE = 'Samples';
const queryFor = (rows: number): string => `StormEventsLarge | take ${rows}`;

// ------------------------------------------------------------------ child: one client, one request

async function runChild(client: ClientName, clusterUrl: string, rows: number): Promise<void> {
  const token = process.env.KE_BENCH_TOKEN ?? 'benchmark-token';
  const runQuery = await loadClient(client, clusterUrl, token);
  // Two small queries first, so every client is measured warm (modules loaded, connection open, code compiled
  // by the JIT): what a user sees once a session has run a query or two. A first result of a few thousand rows
  // is enough for V8 to optimize our row scanner (JSON.parse, native, needs no warming); before that, the first
  // large result of a process pays ~50-150 ms of interpreted scanning. --cold measures that first query.
  if (process.env.KE_BENCH_COLD !== '1') {
    await runQuery(WARM_UP_ROWS);
    await runQuery(WARM_UP_ROWS);
  }
  const warmRssMb = process.memoryUsage().rss / 1024 / 1024;
  const started = performance.now();
  const result = await runQuery(rows);
  let touched = readFirstPageAndLastRow(client, result, rows);
  const ms = performance.now() - started;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  let read = 0;
  result.forEachRow((row) => {
    touched += touch(row);
    read++;
  });
  const allRowsMs = performance.now() - started;
  if (read !== rows || touched === 0) {
    throw new Error(`${client} read ${read} rows, expected ${rows}`);
  }
  const allRowsPeakRssMb = process.resourceUsage().maxRSS / 1024;
  // The same query once more: the steady state of a session that has already received a result this large (our
  // row scanner is then optimized by the JIT). Its memory is not measured: the process's peak is already set.
  const againStarted = performance.now();
  readFirstPageAndLastRow(client, await runQuery(rows), rows);
  const steadyMs = performance.now() - againStarted;
  const measurement: Measurement = { client, rows, ms, peakRssMb, allRowsMs, allRowsPeakRssMb, warmRssMb, steadyMs };
  process.stdout.write(`RESULT ${JSON.stringify(measurement)}\n`);
}

/** Reads what the grid shows first (100 rows) and the last row; returns how many values it touched. */
function readFirstPageAndLastRow(client: ClientName, result: ReadableResult, rows: number): number {
  const firstPage = result.page(0, FIRST_PAGE_ROWS);
  const lastRow = result.page(rows - 1, 1)[0];
  if (result.rowCount !== rows || firstPage.length !== Math.min(rows, FIRST_PAGE_ROWS) || !lastRow) {
    throw new Error(`${client} received ${result.rowCount} rows (first page ${firstPage.length}), expected ${rows}`);
  }
  return firstPage.reduce((sum, row) => sum + touch(row), 0) + touch(lastRow);
}

/** Returns a function that runs `StormEventsLarge | take N` with the given client and returns its result. */
async function loadClient(client: ClientName, clusterUrl: string, token: string): Promise<(rows: number) => Promise<ReadableResult>> {
  if (client === 'kustoExplorer') {
    const { KustoClient } = await import('../src/core/kusto/kustoClient');
    const kusto = new KustoClient({ tokenSource: { getToken: async () => token }, application: 'benchClient', clientVersion: 'bench:1' });
    return async (rows) => {
      const response = await kusto.execute({ clusterUrl, database: DATABASE, text: queryFor(rows), serverTimeoutMs: 600_000, resultRowLimit: 10_000_000 });
      const table = response.primaryResults[0];
      return {
        rowCount: table?.rows.length ?? 0,
        page: (start, count) => table?.rows.slice(start, start + count) ?? [],
        forEachRow: (visit) => {
          for (const row of table?.rows ?? []) visit(row);
        },
      };
    };
  }
  if (client === 'azureKustoData') {
    // The SDK is an ES module: import() it for real (tsc would turn a plain import() into require()).
    const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;
    const sdk = (await importModule('azure-kusto-data')) as {
      Client: new (kcsb: unknown) => {
        execute(
          db: string,
          query: string,
          properties?: unknown,
        ): Promise<{ primaryResults: Array<{ rows(): Iterable<{ toJSON(): unknown }>; _rows: unknown[][] }> }>;
      };
      KustoConnectionStringBuilder: { withAccessToken(url: string, token: string): unknown };
      ClientRequestProperties: new () => { setOption(name: string, value: unknown): void; setTimeout(ms: number): void };
    };
    const kusto = new sdk.Client(sdk.KustoConnectionStringBuilder.withAccessToken(clusterUrl, token));
    return async (rows) => {
      const properties = new sdk.ClientRequestProperties();
      properties.setTimeout(600_000);
      properties.setOption('truncationmaxrecords', 10_000_000);
      const response = await kusto.execute(DATABASE, queryFor(rows), properties);
      const table = response.primaryResults[0];
      // Rows as an SDK user gets them: the rows() iterator, whose row objects carry the decoded values. It has
      // no random access; to give the SDK its best case, the count and a single row further down are read from
      // the parsed arrays it keeps (_rows), and only pages from the top go through rows().
      const valuesOf = (row: { toJSON(): unknown }): unknown[] => Object.values(row.toJSON() as Record<string, unknown>);
      return {
        rowCount: table?._rows.length ?? 0,
        page: (start, count) => {
          if (start > 0 && table) return table._rows.slice(start, start + count);
          const page: unknown[][] = [];
          let index = 0;
          for (const row of table?.rows() ?? []) {
            if (index >= start + count) break;
            if (index++ >= start) page.push(valuesOf(row));
          }
          return page;
        },
        forEachRow: (visit) => {
          for (const row of table?.rows() ?? []) visit(valuesOf(row));
        },
      };
    };
  }
  const { request } = await import('undici');
  return async (rows) => {
    const response = await request(`${clusterUrl}/v2/rest/query`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
        'accept-encoding': 'gzip',
        'x-ms-client-request-id': `KE.Bench;${Date.now()}`,
      },
      body: JSON.stringify({ db: DATABASE, csl: queryFor(rows), properties: { Options: { servertimeout: '00:10:00', truncationmaxrecords: 10_000_000 } } }),
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    let body: string;
    if (String(response.headers['content-encoding'] ?? '').includes('gzip')) {
      const chunks: Buffer[] = [];
      for await (const chunk of response.body.pipe(zlib.createGunzip())) {
        chunks.push(chunk as Buffer);
      }
      body = Buffer.concat(chunks).toString('utf8');
    } else {
      body = await response.body.text();
    }
    const frames = JSON.parse(body) as Array<{ TableKind?: string; Rows?: unknown[][] }>;
    const table = frames.find((frame) => frame.TableKind === 'PrimaryResult')?.Rows ?? [];
    return { rowCount: table.length, page: (start, count) => table.slice(start, start + count), forEachRow: (visit) => table.forEach(visit) };
  };
}

// ------------------------------------------------------------------ parent: servers, children, table

function runInChild(client: ClientName, clusterUrl: string, rows: number, token: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [__filename, '--child', client, clusterUrl, String(rows)],
      { env: { ...process.env, KE_BENCH_TOKEN: token }, maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULT '));
        if (error || !line) {
          reject(new Error(`${client} with ${rows} rows failed: ${error?.message ?? ''}\n${stderr.slice(-2000)}`));
          return;
        }
        resolve(JSON.parse(line.slice('RESULT '.length)) as Measurement);
      },
    );
  });
}

async function startStaticServer(): Promise<{ url: string; close(): Promise<void> }> {
  const { buildStormEventsV2Body } = await import('../test/fixtures/kusto/stormEventsBody');
  const bodies = new Map<number, Buffer>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/rest/auth/metadata') {
        // What the official SDK asks before its first query.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            AzureAD: {
              LoginEndpoint: 'https://login.microsoftonline.com',
              LoginMfaRequired: false,
              KustoClientAppId: 'db662dc1-0cfe-4e1c-a843-19a68e65be58',
              KustoClientRedirectUri: 'https://microsoft/kustoclient',
              KustoServiceResourceId: 'https://kusto.kusto.windows.net',
              FirstPartyAuthorityUrl: 'https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a',
            },
            dSTS: {},
          }),
        );
        return;
      }
      const rows = Number(/take (\d+)/.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? 0);
      let body = bodies.get(rows);
      if (!body) {
        body = buildStormEventsV2Body(rows);
        bodies.set(rows, body);
      }
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      // Written in 64 KB pieces, as a server streams it.
      let offset = 0;
      const writeMore = (): void => {
        while (offset < body.length) {
          const piece = body.subarray(offset, offset + 65_536);
          offset += piece.length;
          if (!response.write(piece)) {
            response.once('drain', writeMore);
            return;
          }
        }
        response.end();
      };
      writeMore();
    });
  });
  // A child may read rows for many seconds before it asks again on the same connection.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startSource(source: string): Promise<{ url: string; token: string; close(): Promise<void> }> {
  if (source === 'static') {
    const server = await startStaticServer();
    return { ...server, token: 'benchmark-token' };
  }
  const { startLocalStack } = await import('../src/localServers/localStack');
  const { getTestAccessToken } = await import('../test/support/signInTestTokens');
  const stack = await startLocalStack();
  const token = await getTestAccessToken(stack.signIn, stack.kusto.url);
  return { url: stack.kusto.url, token, close: () => stack.close() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function runParent(): Promise<void> {
  const rowCounts = (argument('rows') ?? '10000,100000,500000').split(',').map((value) => Number(value.trim()));
  if (rowCounts.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error('--rows takes whole numbers separated by commas, e.g. --rows 10000,100000');
  }
  const source = argument('source') ?? 'local';
  if (source !== 'local' && source !== 'static') {
    throw new Error('--source is "local" (the local Kusto server) or "static" (a generated body served as is)');
  }
  const repeatOption = argument('repeat');
  const cold = process.argv.includes('--cold');
  if (cold) {
    process.env.KE_BENCH_COLD = '1';
  }
  const server = await startSource(source);
  console.log(`Kusto client benchmark: StormEvents-shaped rows from the ${source === 'local' ? 'local Kusto server' : 'static node:http server'} at ${server.url}`);
  console.log(
    `node ${process.version}, one fresh child process per measurement, ${cold ? 'first query of the process (cold)' : `after two warm-up queries of ${WARM_UP_ROWS} rows`}, median of the runs\n`,
  );
  const results: Measurement[] = [];
  try {
    for (const rows of rowCounts) {
      const repeat = repeatOption ? Number(repeatOption) : rows >= 500_000 ? 1 : rows >= 100_000 ? 3 : 5; // odd: a true median
      // Warm the server's cache of the body (static) so the first client does not pay for generating it.
      if (source === 'static') {
        await runInChild('undiciJsonParse', server.url, rows, server.token);
      }
      for (const client of CLIENTS) {
        const runs: Measurement[] = [];
        for (let run = 0; run < repeat; run++) {
          runs.push(await runInChild(client, server.url, rows, server.token));
        }
        const measurement: Measurement = {
          client,
          rows,
          ms: median(runs.map((m) => m.ms)),
          peakRssMb: median(runs.map((m) => m.peakRssMb)),
          allRowsMs: median(runs.map((m) => m.allRowsMs)),
          allRowsPeakRssMb: median(runs.map((m) => m.allRowsPeakRssMb)),
          warmRssMb: median(runs.map((m) => m.warmRssMb)),
          steadyMs: median(runs.map((m) => m.steadyMs)),
        };
        results.push(measurement);
        console.log(
          `  ${rows} rows  ${client.padEnd(16)} ready ${measurement.ms.toFixed(0).padStart(6)} ms ${measurement.peakRssMb.toFixed(0).padStart(5)} MB` +
            `   every row read ${measurement.allRowsMs.toFixed(0).padStart(6)} ms ${measurement.allRowsPeakRssMb.toFixed(0).padStart(5)} MB` +
            `   again ${measurement.steadyMs.toFixed(0).padStart(6)} ms`,
        );
      }
    }
  } finally {
    await server.close();
  }
  printTable(results, rowCounts);
}

/**
 * Peak RSS above the process as it was before the query: what receiving and holding the result cost. The memory
 * target is judged on this: in VS Code the extension host's Node and its modules are there before any query, and
 * Node with undici loaded (~60-70 MB) is already more than half the SDK's whole peak for a small result.
 */
function aboveWarm(m: Measurement): number {
  return Math.max(0, m.peakRssMb - m.warmRssMb);
}

function printTable(results: readonly Measurement[], rowCounts: readonly number[]): void {
  const warm = (client: ClientName): string => {
    const values = results.filter((m) => m.client === client).map((m) => m.warmRssMb);
    return `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} MB`;
  };
  console.log(`\nWarm process before the query (Node, the client's modules, one small request): ${CLIENTS.map((c) => `${c} ${warm(c)}`).join(', ')}.`);
  const find = (client: ClientName, rows: number): Measurement => results.find((m) => m.client === client && m.rows === rows)!;
  console.log('\nRows ready (first page and last row readable):');
  console.log('\n| rows | client | time | peak RSS (above the warm process) | speed vs SDK | memory vs SDK (above warm) | time vs floor | every row read | its peak RSS | same query again |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const verdicts: string[] = [];
  for (const rows of rowCounts) {
    const sdk = find('azureKustoData', rows);
    const floor = find('undiciJsonParse', rows);
    for (const client of CLIENTS) {
      const m = find(client, rows);
      console.log(
        `| ${rows.toLocaleString('en-US')} | ${client} | ${m.ms.toFixed(0)} ms | ${m.peakRssMb.toFixed(0)} MB (${aboveWarm(m).toFixed(0)} MB) | ${(sdk.ms / m.ms).toFixed(2)}x | ${(m.peakRssMb / sdk.peakRssMb).toFixed(2)} (${(aboveWarm(m) / aboveWarm(sdk)).toFixed(2)}) | ${(m.ms / floor.ms).toFixed(2)} | ${m.allRowsMs.toFixed(0)} ms (${(sdk.allRowsMs / m.allRowsMs).toFixed(2)}x SDK) | ${m.allRowsPeakRssMb.toFixed(0)} MB | ${m.steadyMs.toFixed(0)} ms (${(sdk.steadyMs / m.steadyMs).toFixed(2)}x SDK) |`,
      );
    }
    const ours = find('kustoExplorer', rows);
    const faster = sdk.ms / ours.ms;
    const fasterAgain = sdk.steadyMs / ours.steadyMs;
    const memory = ours.peakRssMb / sdk.peakRssMb;
    const resultMemory = aboveWarm(ours) / aboveWarm(sdk);
    const toFloor = ours.ms / floor.ms;
    verdicts.push(
      `${rows.toLocaleString('en-US')} rows: ${faster.toFixed(2)}x faster than azure-kusto-data (target ≥ 2) ${faster >= 2 ? 'met' : 'MISSED'}` +
        ` (the same query again: ${fasterAgain.toFixed(2)}x ${fasterAgain >= 2 ? 'met' : 'MISSED'}); ` +
        `${(resultMemory * 100).toFixed(0)}% of its memory for the result (peak RSS above the warm process; target ≤ 50%) ${resultMemory <= 0.5 ? 'met' : 'MISSED'}` +
        ` (whole process: ${(memory * 100).toFixed(0)}% of its peak RSS, ${memory <= 0.5 ? 'also under' : 'over'} half; before the query ours held ${ours.warmRssMb.toFixed(0)} MB, the SDK's ${sdk.warmRssMb.toFixed(0)} MB); ` +
        `${toFloor.toFixed(2)}x the JSON.parse floor (target ≤ 1.5) ${toFloor <= 1.5 ? 'met' : 'MISSED'}`,
    );
  }
  console.log(`\n${verdicts.join('\n')}`);
}

if (process.argv[2] === '--child') {
  const [client, clusterUrl, rows] = process.argv.slice(3);
  if (!(CLIENTS as readonly string[]).includes(client)) {
    throw new Error(`Unknown client ${client}; use one of ${CLIENTS.join(', ')}`);
  }
  runChild(client as ClientName, clusterUrl, Number(rows)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
} else {
  runParent().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
