// How soon a large result shows its first rows (issue 21): the local Kusto server sends StormEvents-shaped rows
// over loopback to the real client, which hands the primary table's rows so far to the results controller as
// they stream; the "page" asks for its first 100 rows as soon as the panel opens. Timed from the request:
//  - first visible rows: the controller has answered the page's first page of rows (the page paints it next),
//  - last row: the whole result is in and the panel settled.
// The event loop's delay during the stream is printed too (rows arriving must not hold the host).
//
//   npx tsc -p . && node out/scripts/benchStreaming.js [rows...]   (default 500000)

import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { KustoClient } from '../src/core/kusto/kustoClient';
import { ResultsController } from '../src/core/results/resultsController';
import type { ExtensionToPageMessage, RunInfo } from '../src/shared/resultsProtocol';
import { startLocalStack } from '../src/localServers/localStack';
import { getTestAccessToken } from '../test/support/signInTestTokens';

const FIRST_PAGE_ROWS = 100;

interface StreamTimes {
  readonly firstRowsMs: number;
  readonly firstRowsCount: number;
  readonly lastRowMs: number;
  readonly rows: number;
  readonly updates: number;
  readonly loopP99: number;
  readonly loopMax: number;
}

async function measure(client: KustoClient, clusterUrl: string, rows: number): Promise<StreamTimes> {
  const run: RunInfo = { runId: `bench-${rows}-${Math.random()}`, clusterUrl, database: 'Samples', queryText: `StormEventsLarge | take ${rows}`, startedAt: Date.now() };
  let firstRowsMs = -1;
  let firstRowsCount = 0;
  let updates = 0;
  let started = 0;
  let controller: ResultsController | undefined = undefined;
  const post = (message: ExtensionToPageMessage): void => {
    if (message.type === 'resultsMeta' && message.streaming && firstRowsMs < 0) {
      // The page opens the table and asks for its first page at once.
      void controller!.handleMessage({ type: 'requestRows', runId: run.runId, requestId: 1, view: { tableIndex: 0 }, start: 0, count: FIRST_PAGE_ROWS });
    } else if (message.type === 'rows' && message.requestId === 1 && firstRowsMs < 0) {
      firstRowsMs = performance.now() - started;
      firstRowsCount = message.totalRows;
    } else if (message.type === 'streamRows') {
      updates++;
    }
  };
  controller = new ResultsController({
    post,
    writeClipboard: async () => undefined,
    chooseExportFile: async () => undefined,
    revealPosition: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  controller.showRunning(run, () => undefined);
  histogram.enable();
  started = performance.now();
  const response = await client.execute({
    clusterUrl,
    database: 'Samples',
    text: run.queryText,
    properties: { notruncation: true },
    onPrimaryRows: (table) => controller!.showStreaming(run, table),
  });
  controller.showResults(run, response);
  const lastRowMs = performance.now() - started;
  histogram.disable();
  const less = (ns: number): number => Math.max(0, ns / 1e6 - 1);
  return {
    firstRowsMs: firstRowsMs < 0 ? lastRowMs : firstRowsMs,
    firstRowsCount,
    lastRowMs,
    rows: response.primaryResults[0].rows.length,
    updates,
    loopP99: less(histogram.percentile(99)),
    loopMax: less(histogram.max),
  };
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const stack = await startLocalStack();
  const token = await getTestAccessToken(stack.signIn, stack.kusto.url);
  const client = new KustoClient({ tokenSource: { getToken: async () => token }, application: 'bench', clientVersion: 'Kusto.Explorer.VSCode:bench' });
  try {
    // Warm: modules loaded, connection open, the scanner compiled by the JIT.
    await measure(client, stack.kusto.url, 1000);
    await measure(client, stack.kusto.url, 1000);
    console.log(`machine: ${load}`);
    console.log('| result | first visible rows | rows then | last row | first / last | target | stream updates | event-loop delay p99 / max |');
    console.log('|---:|---:|---:|---:|---:|---|---:|---:|');
    for (const rows of sizes.length > 0 ? sizes : [500_000]) {
      const times = await measure(client, stack.kusto.url, rows);
      console.log(
        `| ${times.rows.toLocaleString('en-US')} rows | ${times.firstRowsMs.toFixed(0)} ms | ${times.firstRowsCount.toLocaleString('en-US')} | ${times.lastRowMs.toFixed(0)} ms | ` +
          `${((times.firstRowsMs / times.lastRowMs) * 100).toFixed(1)}% | ≤ 25% | ${times.updates} | ${times.loopP99.toFixed(1)} / ${times.loopMax.toFixed(1)} ms |`,
      );
    }
  } finally {
    await client.close();
    await stack.close();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
