// Filter, sort, copy and export of a large result run in slices that give the event loop back (issue 21): the
// sliced path must show exactly the rows the at-once path shows, stop at once when cancelled, serve the first
// matches of a filter before the table is finished, and leave the thread free while it works.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KustoColumn, KustoResponse, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import { ResultTable, stableSortRows } from '../../src/core/results/resultView';
import { ViewJobs, type ViewWorkProgress } from '../../src/core/results/viewJobs';
import { runSliced, runToEnd, WorkCancelledError } from '../../src/core/results/slicedWork';
import { rowsToTsv, writeCsv } from '../../src/core/results/resultExport';
import { ResultsController, type ResultsHost } from '../../src/core/results/resultsController';
import type { ExtensionToPageMessage, RowsMessage, RunInfo } from '../../src/shared/resultsProtocol';
import { createRandom } from '../../src/localServers/kusto/sampleData';
import { buildStormEventsV2Body } from '../fixtures/kusto/stormEventsBody';

const columns: KustoColumn[] = [
  { name: 'S', type: 'string' },
  { name: 'R', type: 'real' },
  { name: 'L', type: 'long' },
  { name: 'D', type: 'dynamic' },
  { name: 'T', type: 'timespan' },
  { name: 'W', type: 'datetime' },
  { name: 'B', type: 'bool' },
];

/** Rows with escapes, non-ASCII text, number spellings, unsafe longs and dynamic JSON, as JSON texts. */
function generatedRowTexts(count: number, seed: number): string[] {
  const strings = ['Texas', 'tex\\u0061s', 'TE\\"XAS', 'caf\u00e9 t\u00c9xas', 'K\u212aelvin', 'line\\nbreak', 'a\\\\b', 'null', '', 'Orlando'];
  const numbers = ['1E+2', '100', '-0.5e-3', '0.10', '1e400', '-1e400', '12345678901234567890', '7', '3.5', '-0', 'null'];
  const dynamics = ['{"State": "TEXAS", "n": 1E+2}', '[1, 2.50, "x y"]', '{"k":{"deep":[true,null]}}', '"plain texas"', 'null'];
  const times = ['"1.02:03:04.5000000"', '"00:00:01"', '"-00:10:00"', '90061500', 'null'];
  const dates = ['"2007-01-01T00:00:00.1234567Z"', '"2007-01-01T00:00:00Z"', '"1999-12-31T23:59:59.9999999Z"', 'null'];
  const random = createRandom(seed);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    texts.push(`[${['"' + pick(strings) + '"', pick(numbers), pick(numbers), pick(dynamics), pick(times), pick(dates), pick(['true', 'false', 'null'])].join(', ')}]`);
  }
  return texts;
}

/** A progressive v2 body: the table arrives in several DataAppend fragments (rows read as one ConcatenatedRows). */
function fragmentedTable(rowTexts: string[], fragments: number): KustoTable {
  const size = Math.ceil(rowTexts.length / fragments);
  const frames = [
    '{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0"}',
    `{"FrameType":"TableHeader","TableId":0,"TableKind":"PrimaryResult","TableName":"T","Columns":${JSON.stringify(columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })))}}`,
  ];
  for (let start = 0; start < rowTexts.length; start += size) {
    frames.push(`{"FrameType":"TableFragment","TableId":0,"FieldCount":${columns.length},"TableFragmentType":"DataAppend","Rows":[${rowTexts.slice(start, start + size).join(',')}]}`);
  }
  frames.push(`{"FrameType":"TableCompletion","TableId":0,"RowCount":${rowTexts.length}}`);
  frames.push('{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}');
  const body = Buffer.from(`[${frames.join(',\n')}]`);
  return parseKustoResponseChunks([body.subarray(0, 7000), body.subarray(7000)]).tables.find((t) => t.kind === 'PrimaryResult')!;
}

function runOf(runId: string): RunInfo {
  return { runId, clusterUrl: 'https://c.kusto.windows.net', database: 'db', queryText: 'T', startedAt: 1 };
}

function responseOf(table: KustoTable): KustoResponse {
  return { endpoint: 'query', clientRequestId: 'KE.RunQuery;1', primaryResults: [table], allTables: [table], partialErrors: [], elapsedMs: 1 };
}

function hostFor(posted: ExtensionToPageMessage[], extra: Partial<ResultsHost> = {}): ResultsHost {
  return {
    post: (message) => posted.push(message),
    writeClipboard: async () => undefined,
    chooseExportFile: async () => undefined,
    revealPosition: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    ...extra,
  };
}

function positions(view: { rowCount: number; sourceRowIndex(p: number): number }): number[] {
  return Array.from({ length: view.rowCount }, (_, p) => view.sourceRowIndex(p));
}

describe('results off the critical path: sliced work', () => {
  const rowTexts = generatedRowTexts(6000, 21);
  const inMemory: KustoTable = { id: 0, name: 'T', kind: 'PrimaryResult', columns, rows: rowsOf(JSON.parse(`[${rowTexts.join(',')}]`) as KustoRow[]) };

  it('a table that arrived in fragments keeps the byte search of its rows', () => {
    const fragmented = fragmentedTable(rowTexts, 5);
    assert.ok(fragmented.rows.byteSearch, 'progressive rows can still be searched as bytes');
    assert.equal(inMemory.rows.byteSearch, undefined, 'rows built in memory have no bytes to search');
  });

  it('shows the same rows sliced as at once, for filters and sorts of every column type', async () => {
    const filters = ['texas', 'TEXAS', 'xas', 'kelvin', 'caf', 'break', 'x y', 'true', 'null', 'infinity', 'nan', '100', '-0', '0.1', '02:03', '1999', 'deep', 'a\\b', 'orl', 'q'];
    const sorts = columns.map((_, columnIndex) => ({ columnIndex, direction: columnIndex % 2 ? ('desc' as const) : ('asc' as const) }));
    const options = [...filters.map((filter) => ({ filter })), ...sorts.map((sort) => ({ sort })), { filter: 'texas', sort: sorts[2] }, { filter: 'a', sort: sorts[5] }];
    let differentFromTableOrder = 0;
    for (const option of options) {
      // The reference: at once, over the same rows sent as one frame (no fragments).
      const expected = positions(new ResultTable(fragmentedTable(rowTexts, 1)).view(option));
      // Fresh tables each time, so nothing is served from a cache; a tiny slice makes the work pause often.
      const sliced = await runSliced(new ResultTable(fragmentedTable(rowTexts, 5)).viewWork(option), { sliceMs: 0 });
      assert.deepEqual(positions(sliced), expected, JSON.stringify(option));
      if (expected.some((row, index) => row !== index)) differentFromTableOrder++;
    }
    assert.ok(differentFromTableOrder > options.length / 2, 'most views leave rows out or reorder them');
  });

  it('sorts stably, as a comparison sort with the table order as tie-break does', () => {
    const random = createRandom(5);
    for (const count of [0, 1, 31, 32, 33, 1000, 70_001]) {
      const keys = Array.from({ length: count }, () => Math.floor(random() * 50));
      const expected = Array.from({ length: count }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
      assert.deepEqual(Array.from(runToEnd(stableSortRows(count, (a, b) => keys[a] - keys[b]))), expected, `${count} rows`);
    }
  });

  it('gives the event loop turns while a large filter and sort run', async () => {
    const body = buildStormEventsV2Body(60_000);
    const table = parseKustoResponseChunks([body]).tables.find((t) => t.kind === 'PrimaryResult')!;
    for (const option of [{ filter: 'a' }, { sort: { columnIndex: 4, direction: 'asc' as const } }]) {
      let turns = 0;
      const ticker = setInterval(() => turns++, 0);
      try {
        await runSliced(new ResultTable(table).viewWork(option), { sliceMs: 5 });
      } finally {
        clearInterval(ticker);
      }
      assert.ok(turns >= 3, `timers ran ${turns} times while ${JSON.stringify(option)} worked`);
    }
  });

  it('serves the first matches of a filter before the whole table was looked at, then the rest', async () => {
    const body = buildStormEventsV2Body(40_000);
    const table = parseKustoResponseChunks([body]).tables.find((t) => t.kind === 'PrimaryResult')!;
    const expected = positions(new ResultTable(table).view({ filter: 'texas' }));
    const progress: ViewWorkProgress[] = [];
    const jobs = new ViewJobs(new ResultTable(table), (_options, p) => progress.push(p), 0);
    const first = await jobs.rowsWhenKnown({ filter: 'texas' }, 0, 50);
    assert.ok(first);
    assert.equal(first.complete, false, 'answered before the filter finished');
    assert.ok(first.knownRows >= 50 && first.knownRows < expected.length, `${first.knownRows} matches known`);
    assert.deepEqual(positions(first.view).slice(0, 50), expected.slice(0, 50), 'the first matches are those of the finished view');
    const whole = await jobs.view({ filter: 'texas' });
    assert.deepEqual(positions(whole!), expected);
    const last = progress[progress.length - 1];
    assert.deepEqual(last, { work: 'filter', scannedRows: 40_000, tableRows: 40_000, viewRows: expected.length, complete: true });
  });

  it('a newer filter cancels the older one at once, and the older does no more work', async () => {
    const body = buildStormEventsV2Body(40_000);
    const table = parseKustoResponseChunks([body]).tables.find((t) => t.kind === 'PrimaryResult')!;
    const reports: { filter: string | undefined; progress: ViewWorkProgress }[] = [];
    const jobs = new ViewJobs(new ResultTable(table), (options, progress) => reports.push({ filter: options.filter, progress }), 0);
    const older = jobs.view({ filter: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    const newer = jobs.view({ filter: 'ab' });
    assert.equal(await older, undefined, 'the older filter ends without a view');
    const view = await newer;
    assert.deepEqual(positions(view!), positions(new ResultTable(table).view({ filter: 'ab' })));
    const olderCompleted = reports.filter((r) => r.filter === 'a' && r.progress.complete);
    assert.equal(olderCompleted.length, 0, 'the cancelled filter never completed');
    const reportsAfter = reports.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(reports.length, reportsAfter, 'nothing works on after both settled');
  });

  it('a cancelled export stops part way, and the controller leaves no half-written file', async () => {
    const body = buildStormEventsV2Body(30_000);
    const table = parseKustoResponseChunks([body]).tables.find((t) => t.kind === 'PrimaryResult')!;
    const view = new ResultTable(table).view();
    const controller = new AbortController();
    let written = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (written > 1_000_000) controller.abort();
        setImmediate(callback);
      },
    });
    await assert.rejects(writeCsv(view, sink, { signal: controller.signal, onProgress: () => undefined }), WorkCancelledError);
    assert.ok(written > 1_000_000 && written < 10_000_000, `${written} bytes written before it stopped`);

    const dir = mkdtempSync(join(tmpdir(), 'kusto-sliced-'));
    try {
      const file = join(dir, 'out.csv');
      const posted: ExtensionToPageMessage[] = [];
      const results = new ResultsController(
        hostFor(posted, {
          chooseExportFile: async () => file,
          // The user presses Cancel as soon as the first progress arrives.
          withProgress: async (_title, task) => {
            const cancel = new AbortController();
            return task(() => cancel.abort(), cancel.signal);
          },
        }),
      );
      results.showResults(runOf('r1'), responseOf(table));
      await results.handleMessage({ type: 'export', runId: 'r1', view: { tableIndex: 0 }, format: 'csv' });
      assert.equal(existsSync(file), false, 'the partial export was removed');
      assert.ok(posted.some((m) => m.type === 'notice' && /cancelled/.test(m.message)), 'the page is told it was cancelled');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an export to a remote or virtual workspace is written through the host once, whole; a cancelled one writes nothing there', async () => {
    const body = buildStormEventsV2Body(30_000);
    const table = parseKustoResponseChunks([body]).tables.find((t) => t.kind === 'PrimaryResult')!;
    const local: Buffer[] = [];
    const localFile = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        local.push(Buffer.from(chunk));
        callback();
      },
    });
    await writeCsv(new ResultTable(table).view(), localFile);
    const writes: Uint8Array[] = [];
    const destination = { label: 'vscode-remote://ssh-remote+box/home/me/out.csv', writeAll: async (bytes: Uint8Array) => void writes.push(bytes) };
    const posted: ExtensionToPageMessage[] = [];
    const results = new ResultsController(hostFor(posted, { chooseExportFile: async () => destination }));
    results.showResults(runOf('r1'), responseOf(table));
    await results.handleMessage({ type: 'export', runId: 'r1', view: { tableIndex: 0 }, format: 'csv' });
    assert.equal(writes.length, 1, 'one write through the host');
    assert.ok(Buffer.from(writes[0]).equals(Buffer.concat(local)), 'the same bytes a local file gets');
    assert.ok(posted.some((m) => m.type === 'notice' && m.message === `Exported 30,000 rows to ${destination.label}`));

    const cancelledWrites: Uint8Array[] = [];
    const cancelling = new ResultsController(
      hostFor([], {
        chooseExportFile: async () => ({ label: 'vscode-vfs://github/me/repo/out.csv', writeAll: async (bytes: Uint8Array) => void cancelledWrites.push(bytes) }),
        withProgress: async (_title, task) => {
          const cancel = new AbortController();
          return task(() => cancel.abort(), cancel.signal);
        },
      }),
    );
    cancelling.showResults(runOf('r2'), responseOf(table));
    await cancelling.handleMessage({ type: 'export', runId: 'r2', view: { tableIndex: 0 }, format: 'csv' });
    assert.equal(cancelledWrites.length, 0, 'nothing reaches the remote file system');
  });

  it('the page gets the first rows of a running filter, then the final count; a copy of the view is exact', async () => {
    const body = buildStormEventsV2Body(40_000);
    const table = parseKustoResponseChunks([body]).tables.find((t) => t.kind === 'PrimaryResult')!;
    const posted: ExtensionToPageMessage[] = [];
    const clipboard: string[] = [];
    const results = new ResultsController(hostFor(posted, { writeClipboard: async (text) => void clipboard.push(text) }));
    results.showResults(runOf('r2'), responseOf(table));
    const expected = new ResultTable(table).view({ filter: 'hail' });
    await results.handleMessage({ type: 'requestRows', runId: 'r2', requestId: 1, view: { tableIndex: 0, filter: 'hail' }, start: 0, count: 20 });
    const rows = posted.find((m): m is RowsMessage => m.type === 'rows')!;
    assert.deepEqual(rows.rows, expected.formattedRows(0, 20));
    // The filter finishes in the background, then the final count arrives.
    for (let i = 0; i < 500 && !posted.some((m) => m.type === 'viewProgress' && m.complete); i++) await new Promise((r) => setTimeout(r, 10));
    const done = posted.find((m) => m.type === 'viewProgress' && m.complete);
    assert.ok(done && done.type === 'viewProgress');
    assert.equal(done.viewRows, expected.rowCount);
    await results.handleMessage({ type: 'copyRows', runId: 'r2', view: { tableIndex: 0, filter: 'hail' }, ranges: [{ start: 0, end: expected.rowCount }] });
    assert.equal(clipboard.length, 1);
    assert.equal(clipboard[0], (await rowsToTsv(expected, [{ start: 0, end: expected.rowCount }])).text);
    assert.equal(clipboard[0].split('\r\n').length - 2, expected.rowCount);
  });
});
