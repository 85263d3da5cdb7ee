// Results shown while they stream: the parser hands out the primary table received so far, the controller opens
// the panel with it, grows its count and settles into the whole result; a stop half way keeps what was shown.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KustoResponseParser } from '../../src/core/kusto/responseParser';
import { allRows } from '../../src/core/kusto/kustoRows';
import type { KustoResponse, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { ResultsController, STREAM_UPDATE_MS } from '../../src/core/results/resultsController';
import type { ExtensionToPageMessage, ResultsMetaMessage, RowsMessage, RunInfo } from '../../src/shared/resultsProtocol';
import { buildStormEventsV2Body } from '../fixtures/kusto/stormEventsBody';

const fixturesDirectory = path.resolve(__dirname, '../../../test/fixtures/kusto');

function chunksOf(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) chunks.push(body.subarray(offset, offset + size));
  return chunks;
}

/** Feeds `body` in chunks; after each chunk, what primarySoFar() shows (its rows read out), then the final primary table. */
function streamBody(body: Buffer, chunkSize: number, slabBytes?: number) {
  const parser = new KustoResponseParser(slabBytes ? { slabBytes } : {});
  const seen: { afterBytes: number; rows: KustoRow[]; columns: string[] }[] = [];
  for (const chunk of chunksOf(body, chunkSize)) {
    parser.push(chunk);
    const table = parser.primarySoFar();
    if (table) seen.push({ afterBytes: parser.bytesReceived, rows: allRows(table.rows), columns: table.columns.map((c) => c.name) });
  }
  const result = parser.finish();
  const primary = result.tables.find((table) => table.kind === 'PrimaryResult');
  assert.ok(primary);
  return { seen, final: allRows(primary.rows), primary };
}

describe('results while they stream: the primary table so far', () => {
  it('shows the first rows of a v2 DataTable before the body is complete, and each view is a prefix of the final rows', () => {
    const body = buildStormEventsV2Body(600);
    const { seen, final } = streamBody(body, 4096, 1024);
    const early = seen.filter((snapshot) => snapshot.afterBytes < body.length / 4 && snapshot.rows.length > 0);
    assert.ok(early.length > 0, 'rows were visible within the first quarter of the body');
    let previous = 0;
    for (const snapshot of seen) {
      assert.ok(snapshot.rows.length >= previous, 'the row count only grows');
      previous = snapshot.rows.length;
      assert.deepEqual(snapshot.rows, final.slice(0, snapshot.rows.length));
      assert.equal(snapshot.columns[0], 'StartTime');
    }
    assert.equal(seen.at(-1)!.rows.length, 600);
  });

  it('picks the first PrimaryResult, not the QueryProperties table sent before it', () => {
    const body = buildStormEventsV2Body(10);
    const { seen, final } = streamBody(body, 200);
    assert.ok(seen.length > 0);
    assert.ok(seen.every((snapshot) => snapshot.columns.includes('EventType')));
    assert.deepEqual(seen.at(-1)!.rows, final);
  });

  it('follows progressive frames: TableHeader, appended fragments, and a DataReplace that replaces them', () => {
    const body = fs.readFileSync(path.join(fixturesDirectory, 'v2-progressive.json'));
    const { seen, final } = streamBody(body, 7);
    const counts = [...new Set(seen.filter((snapshot) => snapshot.rows.length > 0).map((snapshot) => JSON.stringify(snapshot.rows)))].map((text) => JSON.parse(text) as KustoRow[]);
    assert.deepEqual(counts[0], [['TEXAS', 10]]);
    assert.ok(counts.some((rows) => JSON.stringify(rows) === JSON.stringify([['TEXAS', 10], ['KANSAS', 3], ['IOWA', 1]])), 'appended fragments show as one table');
    assert.deepEqual(seen.at(-1)!.rows, final);
    assert.deepEqual(final, [['TEXAS', 12], ['KANSAS', 4], ['IOWA', 2]]);
  });

  it('gives the same rows chunk by chunk as from the whole body at once (exact longs, dynamic text, escapes)', () => {
    const rows = [
      ['a\\"b', 9007199254740993, { n: 12345678901234567890 }, 'ü€😀'],
      ['', -1, [1.0, 2e3], null],
    ];
    const body = Buffer.from(
      JSON.stringify([
        { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0' },
        {
          FrameType: 'DataTable',
          TableId: 0,
          TableKind: 'PrimaryResult',
          TableName: 'PrimaryResult',
          Columns: [
            { ColumnName: 's', ColumnType: 'string' },
            { ColumnName: 'l', ColumnType: 'long' },
            { ColumnName: 'd', ColumnType: 'dynamic' },
            { ColumnName: 't', ColumnType: 'string' },
          ],
          Rows: rows,
        },
        { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false },
      ])
        .replace('9007199254740992', '9007199254740993')
        .replace('12345678901234567000', '12345678901234567890')
        .replace('[1,2000]', '[1.0,2e3]'),
    );
    const whole = streamBody(body, body.length).final;
    for (const size of [1, 3, 17]) {
      const { seen, final } = streamBody(body, size, 8);
      assert.deepEqual(final, whole);
      for (const snapshot of seen) assert.deepEqual(snapshot.rows, whole.slice(0, snapshot.rows.length));
    }
    assert.equal(whole[0][1], '9007199254740993');
    assert.equal(whole[0][2], '{"n":12345678901234567890}');
  });

  it('has no streaming table for a v1 body (commands)', () => {
    const parser = new KustoResponseParser();
    parser.push(Buffer.from('{"Tables":[{"TableName":"Table_0","Columns":[{"ColumnName":"a","DataType":"Int32"}],"Rows":[[1],[2]'));
    assert.equal(parser.primarySoFar(), undefined);
  });
});

const run: RunInfo = { runId: 'run-s', clusterUrl: 'https://c.kusto.windows.net', database: 'db', queryText: 'StormEvents', startedAt: Date.now() };

function makeController() {
  const posted: ExtensionToPageMessage[] = [];
  const controller = new ResultsController({
    post: (message) => posted.push(message),
    writeClipboard: async () => undefined,
    chooseExportFile: async () => undefined,
    revealPosition: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { controller, posted };
}

/** The snapshots a client would hand out while streaming `body`, and the final response. */
function snapshotsOf(rowCount: number): { snapshots: KustoTable[]; response: KustoResponse } {
  const body = buildStormEventsV2Body(rowCount);
  const parser = new KustoResponseParser();
  const snapshots: KustoTable[] = [];
  for (const chunk of chunksOf(body, 16 * 1024)) {
    parser.push(chunk);
    const table = parser.primarySoFar();
    if (table && table.rows.length > (snapshots.at(-1)?.rows.length ?? 0)) snapshots.push(table);
  }
  const parsed = parser.finish();
  const primaryResults = parsed.tables.filter((table) => table.kind === 'PrimaryResult');
  return {
    snapshots,
    response: { endpoint: 'query', clientRequestId: 'KE.RunQuery;s', primaryResults, allTables: parsed.tables, partialErrors: parsed.partialErrors, elapsedMs: 5 },
  };
}

const metas = (posted: ExtensionToPageMessage[]) => posted.filter((m): m is ResultsMetaMessage => m.type === 'resultsMeta');

async function requestRows(controller: ResultsController, posted: ExtensionToPageMessage[], start: number, count: number): Promise<RowsMessage> {
  const requestId = posted.length + 1000;
  await controller.handleMessage({ type: 'requestRows', runId: run.runId, requestId, view: { tableIndex: 0 }, start, count });
  const answer = posted.find((m): m is RowsMessage => m.type === 'rows' && m.requestId === requestId);
  assert.ok(answer, 'the page got its rows');
  return answer;
}

describe('results while they stream: the results panel', () => {
  it('opens with the rows so far, grows a live count, and settles into the same result as without streaming', async () => {
    const { snapshots, response } = snapshotsOf(2000);
    assert.ok(snapshots.length > 3);
    const { controller, posted } = makeController();
    controller.showRunning(run, () => undefined);
    controller.showStreaming(run, snapshots[0]);
    const opened = metas(posted).at(-1)!;
    assert.equal(opened.streaming, true);
    assert.equal(opened.tables[0].rowCount, snapshots[0].rows.length);
    assert.ok(opened.tables[0].rowCount < 2000);
    const firstPage = await requestRows(controller, posted, 0, 100);
    assert.equal(firstPage.rows.length, snapshots[0].rows.length, 'the rows received so far, no more');
    assert.equal(firstPage.totalRows, snapshots[0].rows.length);

    for (const snapshot of snapshots.slice(1)) controller.showStreaming(run, snapshot);
    await new Promise((resolve) => setTimeout(resolve, STREAM_UPDATE_MS + 50));
    const counts = posted.filter((m) => m.type === 'streamRows').map((m) => (m as { rowCount: number }).rowCount);
    assert.deepEqual(counts, [snapshots.at(-1)!.rows.length], 'updates are batched: one message for the burst');

    controller.showResults(run, response);
    const settled = metas(posted).at(-1)!;
    assert.equal(settled.streaming, undefined);
    assert.equal(settled.tables[0].rowCount, 2000);
    // The rows shown while streaming are the rows of the settled result.
    const after = await requestRows(controller, posted, 0, 100);
    assert.deepEqual(after.rows.slice(0, firstPage.rows.length), firstPage.rows);
    assert.equal(after.rows.length, 100);

    const plain = makeController();
    plain.controller.showRunning(run, () => undefined);
    plain.controller.showResults(run, response);
    const plainMeta = metas(plain.posted).at(-1)!;
    assert.deepEqual({ ...settled, elapsedMs: 0 }, { ...plainMeta, elapsedMs: 0 });
  });

  it('sort and filter wait for the whole result: while streaming only rows in arrival order are served', async () => {
    const { snapshots } = snapshotsOf(500);
    const { controller, posted } = makeController();
    controller.showRunning(run, () => undefined);
    controller.showStreaming(run, snapshots[0]);
    const before = posted.length;
    await controller.handleMessage({ type: 'requestRows', runId: run.runId, requestId: 7, view: { tableIndex: 0, sort: { columnIndex: 0, direction: 'asc' } }, start: 0, count: 10 });
    assert.equal(posted.length, before, 'no sorted rows from a half-received table');
  });

  it('a cancel half way keeps the rows shown, says it was cancelled, and nothing more arrives', async () => {
    const { snapshots } = snapshotsOf(2000);
    const { controller, posted } = makeController();
    let cancelled = 0;
    controller.showRunning(run, () => cancelled++);
    controller.showStreaming(run, snapshots[0]);
    const half = snapshots[Math.floor(snapshots.length / 2)];
    controller.showStreaming(run, half);
    const shown = await requestRows(controller, posted, 0, 100);
    await controller.handleMessage({ type: 'cancel', runId: run.runId });
    assert.equal(cancelled, 1, 'the cancel reached the run');
    controller.showError(run, { code: 'Cancelled', message: 'The query was cancelled.' });
    const kept = metas(posted).at(-1)!;
    assert.equal(kept.streaming, undefined);
    assert.equal(kept.tables[0].rowCount, half.rows.length);
    assert.deepEqual(kept.partialErrors.map((e) => e.code), ['Cancelled']);
    assert.deepEqual((await requestRows(controller, posted, 0, 100)).rows, shown.rows);

    // Late rows of the stopped stream change nothing; the server's answer to .cancel query updates the reason only.
    controller.showStreaming(run, snapshots.at(-1)!);
    await new Promise((resolve) => setTimeout(resolve, STREAM_UPDATE_MS + 50));
    assert.equal(posted.filter((m) => m.type === 'streamRows').length, 0);
    controller.showError(run, { code: 'Cancelled', message: 'The query was cancelled on the server.' });
    const updated = metas(posted).at(-1)!;
    assert.equal(updated.tables[0].rowCount, half.rows.length);
    assert.equal(updated.partialErrors[0].message, 'The query was cancelled on the server.');
  });
});

describe('closing a results tab', () => {
  it('lets go of its result: the rows can be collected once the controller is cleared', async () => {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const { controller } = makeController();
    const tableRef = ((): WeakRef<KustoTable> => {
      const { response } = snapshotsOf(500);
      controller.showRunning(run, () => undefined);
      controller.showResults(run, response);
      return new WeakRef(response.primaryResults[0]);
    })();
    await controller.handleMessage({ type: 'requestRows', runId: run.runId, requestId: 1, view: { tableIndex: 0, sort: { columnIndex: 4, direction: 'asc' } }, start: 0, count: 10 });
    collect();
    assert.ok(tableRef.deref(), 'held while its tab is open');
    controller.clear();
    for (let attempt = 0; attempt < 5 && tableRef.deref(); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      collect();
    }
    assert.equal(tableRef.deref(), undefined, 'collected after the tab closed');
    assert.deepEqual(controller.stateMessage(), { type: 'empty' });
  });
});
