import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KustoResponse } from '../../src/core/kusto/resultTypes';
import { ResultsController } from '../../src/core/results/resultsController';
import { parsePageMessage, type ExtensionToPageMessage, type RunInfo } from '../../src/shared/resultsProtocol';
import { rowsOf } from '../../src/core/kusto/kustoRows';

const run: RunInfo = { runId: 'run-1', clusterUrl: 'https://c.kusto.windows.net', database: 'db', queryText: 'T | take 3', startedAt: 1 };

const response: KustoResponse = {
  endpoint: 'query',
  clientRequestId: 'KE.RunQuery;1',
  primaryResults: [
    {
      id: 0,
      name: 'PrimaryResult',
      kind: 'PrimaryResult',
      columns: [
        { name: 'Name', type: 'string' },
        { name: 'Big', type: 'long' },
      ],
      rows: rowsOf([
        ['b', '9007199254740993'],
        ['a', 2],
        ['c', null],
      ]),
    },
  ],
  allTables: [],
  statistics: { cpuTimeMs: 5, raw: { huge: 'server detail' } },
  partialErrors: [],
  elapsedMs: 10,
};

function makeController(exportPath?: string) {
  const posted: ExtensionToPageMessage[] = [];
  const clipboard: string[] = [];
  const revealed: { line: number; column: number }[] = [];
  const warnings: string[] = [];
  const controller = new ResultsController({
    post: (m) => posted.push(m),
    writeClipboard: async (t) => {
      clipboard.push(t);
    },
    chooseExportFile: async () => exportPath,
    revealPosition: (_r, line, column) => revealed.push({ line, column }),
    log: { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
  });
  return { controller, posted, clipboard, revealed, warnings };
}

describe('results protocol: page messages', () => {
  it('accepts well-formed messages and caps the rows one request may ask for', () => {
    assert.deepEqual(parsePageMessage({ type: 'requestRows', runId: 'r', requestId: 1, view: { tableIndex: 0, sort: { columnIndex: 1, direction: 'desc' }, filter: '' }, start: 0, count: 10 ** 9 }), {
      type: 'requestRows',
      runId: 'r',
      requestId: 1,
      view: { tableIndex: 0, sort: { columnIndex: 1, direction: 'desc' } },
      start: 0,
      count: 5000,
    });
  });

  it('rejects malformed messages', () => {
    for (const bad of [
      null,
      'ready',
      { type: 'requestRows', runId: 'r', requestId: 1, view: { tableIndex: 0 }, start: -1, count: 10 },
      { type: 'requestRows', runId: 'r', requestId: 1, view: { tableIndex: 0, sort: { columnIndex: 0, direction: 'up' } }, start: 0, count: 10 },
      { type: 'copyRows', runId: 'r', view: { tableIndex: 0 }, ranges: [{ start: 5, end: 2 }] },
      { type: 'export', runId: 'r', view: { tableIndex: 0 }, format: 'xlsx' },
      { type: 'revealPosition', runId: 'r', line: 'x', column: 1 },
      { type: 'somethingElse' },
    ]) {
      assert.equal(parsePageMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('results controller', () => {
  it('answers "ready" with the current state, so a recreated page shows the same run', async () => {
    const { controller, posted } = makeController();
    await controller.handleMessage({ type: 'ready' });
    assert.deepEqual(posted.pop(), { type: 'empty' });
    controller.showResults(run, response);
    posted.length = 0;
    await controller.handleMessage({ type: 'ready' });
    const meta = posted.pop();
    assert.ok(meta && meta.type === 'resultsMeta');
    assert.deepEqual(meta.tables, [{ name: 'PrimaryResult', kind: 'PrimaryResult', columns: response.primaryResults[0].columns, rowCount: 3 }]);
    assert.equal(meta.statistics?.cpuTimeMs, 5);
    assert.equal(JSON.stringify(meta).includes('server detail'), false, 'raw statistics stay in the extension');
  });

  it('serves pages of a sorted, filtered view computed over the whole table', async () => {
    const { controller, posted } = makeController();
    controller.showResults(run, response);
    await controller.handleMessage({ type: 'requestRows', runId: 'run-1', requestId: 7, view: { tableIndex: 0, sort: { columnIndex: 1, direction: 'desc' } }, start: 0, count: 100 });
    const rows = posted.pop();
    assert.ok(rows && rows.type === 'rows');
    assert.equal(rows.requestId, 7);
    assert.equal(rows.totalRows, 3);
    assert.deepEqual(rows.rows, [['b', '9007199254740993'], ['a', '2'], ['c', null]]);
    await controller.handleMessage({ type: 'requestRows', runId: 'run-1', requestId: 8, view: { tableIndex: 0, filter: 'A' }, start: 0, count: 100 });
    const filtered = posted.pop();
    assert.ok(filtered && filtered.type === 'rows');
    assert.equal(filtered.totalRows, 1);
  });

  it('ignores requests for an older run and explains a request for a table that does not exist', async () => {
    const { controller, posted } = makeController();
    controller.showResults(run, response);
    posted.length = 0;
    await controller.handleMessage({ type: 'requestRows', runId: 'old', requestId: 1, view: { tableIndex: 0 }, start: 0, count: 10 });
    assert.deepEqual(posted, []);
    await controller.handleMessage({ type: 'requestRows', runId: 'run-1', requestId: 2, view: { tableIndex: 4 }, start: 0, count: 10 });
    assert.deepEqual(posted.pop(), { type: 'notice', level: 'error', message: 'There is no result table 4; this run has 1.' });
  });

  it('cancels only the running run the page names', async () => {
    const { controller } = makeController();
    let cancelled = 0;
    controller.showRunning(run, () => cancelled++);
    await controller.handleMessage({ type: 'cancel', runId: 'another' });
    assert.equal(cancelled, 0);
    await controller.handleMessage({ type: 'cancel', runId: 'run-1' });
    assert.equal(cancelled, 1);
  });

  it('copies selected rows as TSV and reports the error position the user clicked', async () => {
    const { controller, clipboard, revealed } = makeController();
    controller.showResults(run, response);
    await controller.handleMessage({ type: 'copyRows', runId: 'run-1', view: { tableIndex: 0, sort: { columnIndex: 0, direction: 'asc' } }, ranges: [{ start: 0, end: 2 }] });
    assert.deepEqual(clipboard, ['Name\tBig\r\na\t2\r\nb\t9007199254740993\r\n']);
    controller.showError(run, { message: 'bad', position: { line: 2, column: 5 } });
    await controller.handleMessage({ type: 'revealPosition', runId: 'run-1', line: 2, column: 5 });
    assert.deepEqual(revealed, [{ line: 2, column: 5 }]);
  });

  it('exports the current view to the file the user picked, and writes nothing when they cancel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kusto-ctl-'));
    try {
      const target = join(dir, 'out.csv');
      const { controller, posted } = makeController(target);
      controller.showResults(run, response);
      await controller.handleMessage({ type: 'export', runId: 'run-1', view: { tableIndex: 0, filter: 'b' }, format: 'csv' });
      assert.equal(readFileSync(target, 'utf8'), 'Name,Big\r\nb,9007199254740993\r\n');
      const notice = posted.pop();
      assert.ok(notice && notice.type === 'notice' && notice.message.startsWith('Exported 1 row to'));
      const cancelled = makeController(undefined);
      cancelled.controller.showResults(run, response);
      await cancelled.controller.handleMessage({ type: 'export', runId: 'run-1', view: { tableIndex: 0 }, format: 'json' });
      assert.equal(existsSync(join(dir, 'PrimaryResult.json')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops malformed messages with a log line instead of throwing', async () => {
    const { controller, warnings, posted } = makeController();
    await controller.handleMessage({ type: 'requestRows', runId: 'run-1' });
    assert.equal(posted.length, 0);
    assert.match(warnings[0], /does not understand \(type: "requestRows"\)/);
  });
});
