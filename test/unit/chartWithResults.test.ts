import * as assert from 'node:assert/strict';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import type { KustoResponse, KustoTable, Visualization } from '../../src/core/kusto/resultTypes';
import { ResultsController } from '../../src/core/results/resultsController';
import { unpackChartSpec, type CartesianChartSpec } from '../../src/shared/chartSpec';
import type { ChartMessage, ExtensionToPageMessage, ResultsMetaMessage, RunInfo } from '../../src/shared/resultsProtocol';
import { buildChartSpec } from '../../src/core/charts/chartSpecBuilder';
import { chartSettingsFrom, type ChartSettings } from '../../src/core/charts/chartSettings';
import { datetimeMs } from '../../src/core/charts/chartValues';

const run: RunInfo = { runId: 'run-1', clusterUrl: 'https://c.kusto.windows.net', database: 'db', queryText: 'T | render timechart', startedAt: 1 };

/** A v2 body parsed by the client's parser: rows kept as bytes, parsed on read. */
function tableFromV2(columns: { name: string; type: string }[], rows: unknown[][]): KustoTable {
  const body = JSON.stringify([
    { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0' },
    { FrameType: 'DataTable', TableId: 1, TableKind: 'PrimaryResult', TableName: 'PrimaryResult', Columns: columns.map((c) => ({ ColumnName: c.name, ColumnType: c.type })), Rows: rows },
    { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false },
  ]);
  return parseKustoResponseChunks([Buffer.from(body)]).tables[0];
}

function responseOf(table: KustoTable, visualization?: Visualization): KustoResponse {
  return { endpoint: 'query', clientRequestId: 'KE.RunQuery;1', primaryResults: [table], allTables: [table], partialErrors: [], elapsedMs: 10, ...(visualization ? { visualization } : {}) };
}

const perDay = (): KustoTable =>
  tableFromV2(
    [
      { name: 'Day', type: 'datetime' },
      { name: 'State', type: 'string' },
      { name: 'Count', type: 'long' },
    ],
    [
      ['2007-01-01T00:00:00.0000000Z', 'TEXAS', 5],
      ['2007-01-01T00:00:00.0000000Z', 'IOWA', 3],
      ['2007-01-02T00:00:00.1234567Z', 'TEXAS', '9007199254740993'],
      ['2007-01-02T00:00:00.0000000Z', 'IOWA', null],
    ],
  );

const manyRows = (): KustoTable =>
  tableFromV2(
    [
      { name: 'T', type: 'datetime' },
      { name: 'N', type: 'long' },
    ],
    Array.from({ length: 20_000 }, (_, i) => [new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString(), i % 13]),
  );

function controllerPosting(): { controller: ResultsController; posted: ExtensionToPageMessage[] } {
  const posted: ExtensionToPageMessage[] = [];
  const controller = new ResultsController({
    post: (m) => posted.push(m),
    writeClipboard: async () => undefined,
    chooseExportFile: async () => undefined,
    revealPosition: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { controller, posted };
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('a rendered result carries its chart to the page', () => {
  it('sends the chart a query rendered inside the results message when the table is small: no second message', async () => {
    const { controller, posted } = controllerPosting();
    controller.showResults(run, responseOf(perDay(), { type: 'timechart', properties: {} }));
    await nextTask();
    assert.equal(posted.length, 1);
    const meta = posted[0] as ResultsMetaMessage;
    assert.equal(meta.type, 'resultsMeta');
    const chart = meta.chart!;
    assert.equal(chart.type, 'chart');
    assert.equal(chart.pushed, true);
    assert.equal(chart.runId, run.runId);
    assert.equal(chart.fromQuery, true);
    const spec = unpackChartSpec(chart.spec!) as CartesianChartSpec;
    assert.deepEqual(
      spec.series.map((s) => s.name),
      ['TEXAS', 'IOWA'],
    );
    const texas = spec.series[0];
    assert.deepEqual(texas.x, [Date.UTC(2007, 0, 1), Date.UTC(2007, 0, 2) + 123]);
    assert.deepEqual(texas.exactX, [[1, '2007-01-02T00:00:00.1234567Z']], 'the datetime with 100 ns digits keeps its text');
    assert.deepEqual(texas.exactY, [[1, '9007199254740993']], 'the long beyond 2^53 keeps its digits');
    assert.deepEqual(spec.series[1].y, [3, null], 'a null count is a gap, not a zero');
  });

  it('posts the chart of a large table right after the results message, unasked, and says it follows', async () => {
    const { controller, posted } = controllerPosting();
    controller.showResults(run, responseOf(manyRows(), { type: 'timechart', properties: {} }));
    const meta = posted[0] as ResultsMetaMessage;
    assert.equal(meta.type, 'resultsMeta');
    assert.equal(meta.chartFollows, 0, 'the page is told the chart of its first table follows');
    assert.equal(meta.chart, undefined);
    await nextTask();
    const chart = posted[1] as ChartMessage;
    assert.equal(chart.type, 'chart');
    assert.equal(chart.pushed, true);
    const spec = unpackChartSpec(chart.spec!) as CartesianChartSpec;
    assert.equal(spec.sampling?.totalPoints, 20_000);
  });

  it('posts no chart for a result without a chart, or one rendered as a table; a page reload gets no unasked chart', async () => {
    const { controller, posted } = controllerPosting();
    controller.showResults(run, responseOf(perDay()));
    controller.showResults({ ...run, runId: 'run-2' }, responseOf(perDay(), { type: 'table', properties: {} }));
    await nextTask();
    assert.deepEqual(
      posted.map((m) => m.type),
      ['resultsMeta', 'resultsMeta'],
    );
    assert.ok(posted.every((m) => m.type === 'resultsMeta' && m.chartFollows === undefined && m.chart === undefined));
    controller.showResults({ ...run, runId: 'run-3' }, responseOf(perDay(), { type: 'piechart', properties: {} }));
    await controller.handleMessage({ type: 'ready' });
    const reload = posted.at(-1) as ResultsMetaMessage;
    assert.equal(reload.chartFollows ?? reload.chart, undefined, 'the answer to "ready" brings no chart (the page asks for it)');
  });

  it('drops the chart of a result replaced before it was built', async () => {
    const { controller, posted } = controllerPosting();
    controller.showResults(run, responseOf(manyRows(), { type: 'timechart', properties: {} }));
    controller.showRunning({ ...run, runId: 'run-2' }, () => undefined);
    await nextTask();
    assert.deepEqual(
      posted.map((m) => m.type),
      ['resultsMeta', 'running'],
    );
  });
});

describe('chart cells read from the rows as kept', () => {
  it('reads every cell of a 10,000-row timechart as the grid shows it: datetimes, 17-digit reals, nulls', () => {
    const start = Date.UTC(1999, 11, 25);
    const rows: unknown[][] = Array.from({ length: 10_000 }, (_, i) => [
      `${new Date(start + i * 3_600_000).toISOString().slice(0, 19)}.0000000Z`,
      i % 10 === 0 ? null : Math.sin(i) * 1000,
      i,
    ]);
    const table = tableFromV2(
      [
        { name: 'T', type: 'datetime' },
        { name: 'Wave', type: 'real' },
        { name: 'N', type: 'long' },
      ],
      rows,
    );
    const settings = chartSettingsFrom({ type: 'linechart', properties: {} }) as ChartSettings;
    const built = buildChartSpec(settings, table.columns, table.rows);
    assert.ok('spec' in built && built.spec.shape === 'cartesian');
    const [wave, n] = built.spec.series;
    assert.equal(wave.x.length, 10_000);
    for (let i = 0; i < 10_000; i++) {
      assert.equal(wave.x[i], start + i * 3_600_000);
      assert.equal(wave.y[i], rows[i][1]);
      assert.equal(n.y[i], i);
    }
  });

  it('reads Kusto datetimes of every century and leap day as Date.parse does, and leaves other spellings to it', () => {
    for (let year = 1601; year <= 9999; year += 37) {
      for (const [month, day] of [
        [1, 1],
        [2, 28],
        [2, 29],
        [3, 1],
        [12, 31],
      ]) {
        const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T13:45:07.${String(year % 1000).padStart(3, '0')}0000Z`;
        assert.equal(datetimeMs(text)?.value, Number.isNaN(Date.parse(text)) ? undefined : Date.parse(text), text);
      }
    }
    assert.equal(datetimeMs('2024-02-29 10:00:00Z')?.value, Date.parse('2024-02-29 10:00:00Z'), 'a space for the T goes through Date.parse');
  });
});
