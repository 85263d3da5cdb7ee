import * as assert from 'node:assert/strict';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import type { KustoColumn, KustoRow, Visualization } from '../../src/core/kusto/resultTypes';
import { buildChartSpec, MAX_PIE_SLICES } from '../../src/core/charts/chartSpecBuilder';
import { MAX_SERIES } from '../../src/core/charts/cartesianChart';
import { guessChartRequest } from '../../src/core/charts/chartColumns';
import { datetimeMs } from '../../src/core/charts/chartValues';
import { chartSettingsFrom, chartSettingsFromRequest, visualizationsOfResults, type ChartSettings } from '../../src/core/charts/chartSettings';
import {
  chartValueText,
  exactTextAt,
  packChartSpec,
  parseChartImage,
  parseChartRequest,
  unpackChartSpec,
  type CartesianChartSpec,
  type ChartSpec,
  type LadderChartSpec,
  type PieChartSpec,
  type TreemapChartSpec,
} from '../../src/shared/chartSpec';

/** The Visualization JSON as Kusto sends it: every property present, unset ones null or "NaN". */
function visualization(type: string, properties: Record<string, unknown> = {}): Visualization {
  return {
    type,
    properties: {
      Title: null, XColumn: null, Series: null, YColumns: null, AnomalyColumns: null, XTitle: null, YTitle: null, XAxis: null,
      YAxis: null, Legend: null, YSplit: null, Accumulate: false, IsQuerySorted: false, Kind: null, Ymin: 'NaN', Ymax: 'NaN',
      ...properties,
    },
  };
}

function settingsOf(type: string, properties: Record<string, unknown> = {}): ChartSettings {
  const read = chartSettingsFrom(visualization(type, properties));
  assert.ok(!('error' in read), 'error' in read ? read.error : '');
  return read;
}

function spec(type: string, columns: KustoColumn[], rows: KustoRow[], properties: Record<string, unknown> = {}): ChartSpec {
  const built = buildChartSpec(settingsOf(type, properties), columns, rowsOf(rows));
  assert.ok('spec' in built, 'error' in built ? built.error : '');
  return built.spec;
}

function cartesian(type: string, columns: KustoColumn[], rows: KustoRow[], properties: Record<string, unknown> = {}): CartesianChartSpec {
  const result = spec(type, columns, rows, properties);
  assert.equal(result.shape, 'cartesian');
  return result as CartesianChartSpec;
}

function errorOf(type: string, columns: KustoColumn[], rows: KustoRow[], properties: Record<string, unknown> = {}): string {
  const built = buildChartSpec(settingsOf(type, properties), columns, rowsOf(rows));
  assert.ok('error' in built, 'expected the chart to be refused');
  return built.error;
}

const day = (n: number): string => `2007-01-0${n}T00:00:00.0000000Z`;
const ms = (n: number): number => Date.UTC(2007, 0, n);

// StormEvents | summarize count() by bin(StartTime, 1d), State
const byDayAndState: KustoColumn[] = [
  { name: 'StartTime', type: 'datetime' },
  { name: 'State', type: 'string' },
  { name: 'count_', type: 'long' },
];
const byDayAndStateRows: KustoRow[] = [
  [day(2), 'TEXAS', 5],
  [day(1), 'TEXAS', 3],
  [day(1), 'KANSAS', 7],
  [day(3), 'KANSAS', 1],
];

describe('chart specification from render', () => {
  describe('reading the Visualization row', () => {
    it('matches each render of a batch to its result table by TableId', () => {
      const body = JSON.stringify([
        { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0' },
        {
          FrameType: 'DataTable', TableId: 0, TableKind: 'QueryProperties', TableName: '@ExtendedProperties',
          Columns: [{ ColumnName: 'TableId', ColumnType: 'int' }, { ColumnName: 'Key', ColumnType: 'string' }, { ColumnName: 'Value', ColumnType: 'dynamic' }],
          Rows: [
            [1, 'Visualization', JSON.stringify({ Visualization: 'timechart', Title: 'First' })],
            [2, 'Visualization', JSON.stringify({ Visualization: 'piechart', Title: 'Second' })],
          ],
        },
        { FrameType: 'DataTable', TableId: 1, TableKind: 'PrimaryResult', TableName: 'PrimaryResult', Columns: [{ ColumnName: 'a', ColumnType: 'long' }], Rows: [[1]] },
        { FrameType: 'DataTable', TableId: 2, TableKind: 'PrimaryResult', TableName: 'PrimaryResult', Columns: [{ ColumnName: 'b', ColumnType: 'long' }], Rows: [[2]] },
        { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false },
      ]);
      const parsed = parseKustoResponseChunks([Buffer.from(body)]);
      const primary = parsed.tables.filter((t) => t.kind === 'PrimaryResult');
      const found = visualizationsOfResults(parsed.tables, primary, parsed.visualization);
      assert.deepEqual(found.map((v) => [v?.type, v?.properties.Title]), [['timechart', 'First'], ['piechart', 'Second']]);
    });

    it('reads every documented property, with Kusto\'s spellings of unset values', () => {
      const settings = settingsOf('columnchart', {
        Title: 'Storms', XColumn: 'State', YColumns: 'a, b', Series: 'c,d', XTitle: 'Where', YTitle: 'How many', Legend: 'hidden',
        Ymin: 10, Ymax: '90', XAxis: 'log', YAxis: 'log', Kind: 'stacked100', YSplit: 'panels', Accumulate: true, AnomalyColumns: 'e',
      });
      assert.deepEqual(settings, {
        kind: 'columnchart', title: 'Storms', xColumn: 'State', yColumns: ['a', 'b'], series: ['c', 'd'], anomalyColumns: ['e'], xTitle: 'Where',
        yTitle: 'How many', legend: false, yMin: 10, yMax: 90, xLog: true, yLog: true, stack: 'stacked100', ysplit: 'panels', accumulate: true,
      });
      const unset = settingsOf('timechart');
      assert.equal(unset.yMin, undefined, '"NaN" is no minimum');
      assert.equal(unset.legend, true);
      assert.equal(unset.stack, 'none');
      assert.equal(unset.ysplit, 'none');
      assert.equal(settingsOf('stackedareachart').stack, 'stacked', 'a stacked area chart stacks by default');
    });

    it('says so when the visualization is not one Kusto defines', () => {
      const read = chartSettingsFrom(visualization('sparkline'));
      assert.ok('error' in read && read.error.includes('sparkline'));
    });
  });

  describe('timechart and the documented defaults', () => {
    it('takes the first datetime column as x, numeric columns as y, the rest as series; points in time order', () => {
      const chart = cartesian('timechart', byDayAndState, byDayAndStateRows);
      assert.deepEqual(chart.columns, { x: 'StartTime', y: ['count_'], series: ['State'] });
      assert.equal(chart.x.format, 'datetime');
      assert.deepEqual(chart.series.map((s) => s.name), ['TEXAS', 'KANSAS']);
      const texas = chart.series[0];
      assert.deepEqual(texas.x, [ms(1), ms(2)], 'sorted by x although the rows were not');
      assert.deepEqual(texas.y, [3, 5]);
      assert.equal(texas.draw, 'line');
      assert.equal(chart.x.title, 'StartTime');
      assert.equal(chart.y[0].title, 'count_');
    });

    it('finds a datetime column that is not first, and refuses a timechart without one', () => {
      const chart = cartesian('timechart', [{ name: 'n', type: 'long' }, { name: 'at', type: 'datetime' }], [[1, day(1)]]);
      assert.equal(chart.columns.x, 'at');
      const error = errorOf('timechart', [{ name: 'State', type: 'string' }, { name: 'n', type: 'long' }], [['TX', 1]]);
      assert.match(error, /datetime column/);
    });

    it('names a series by series value and y column when there are several y columns', () => {
      const chart = cartesian(
        'linechart',
        [{ name: 'x', type: 'long' }, { name: 'k', type: 'string' }, { name: 'a', type: 'real' }, { name: 'b', type: 'int' }],
        [[1, 'p', 1.5, 2], [2, 'p', 2.5, 3]],
      );
      assert.deepEqual(chart.series.map((s) => s.name), ['p:a', 'p:b']);
      assert.equal(chart.x.format, 'number');
    });

    it('honours xcolumn, ycolumns, series, titles, ymin/ymax and log axes', () => {
      const chart = cartesian('linechart', [{ name: 'a', type: 'long' }, { name: 'b', type: 'long' }, { name: 'c', type: 'long' }], [[1, 10, 100], [2, 20, 200]], {
        XColumn: 'b', YColumns: 'c', XTitle: 'B', YTitle: 'C', Title: 'T', Ymin: 5, Ymax: 500, XAxis: 'log', YAxis: 'log',
      });
      assert.deepEqual(chart.columns, { x: 'b', y: ['c'], series: [] }, 'the numeric column a is neither y (ycolumns given) nor a series');
      assert.deepEqual(chart.series[0].x, [10, 20]);
      assert.deepEqual(chart.series[0].y, [100, 200]);
      assert.equal(chart.title, 'T');
      assert.deepEqual([chart.x.title, chart.x.scale, chart.y[0].title, chart.y[0].scale, chart.y[0].min, chart.y[0].max], ['B', 'log', 'C', 'log', 5, 500]);
    });

    it('says which column is missing when a named column is not in the result', () => {
      assert.match(errorOf('linechart', byDayAndState, byDayAndStateRows, { YColumns: 'nope' }), /"nope" is not in the result/);
    });

    it('says why a result without a numeric column cannot be drawn', () => {
      assert.match(errorOf('columnchart', [{ name: 's', type: 'string' }], [['a']]), /no numeric column/);
    });

    it('refuses more series than a chart can show, and says what to do', () => {
      const rows: KustoRow[] = Array.from({ length: MAX_SERIES + 1 }, (_, i) => [day(1), `S${i}`, i]);
      assert.match(errorOf('timechart', byDayAndState, rows), /more than 200 series.*series=/);
    });

    it('expands make-series arrays into one point per element, series per by-value', () => {
      const columns: KustoColumn[] = [
        { name: 'State', type: 'string' },
        { name: 'count_', type: 'dynamic' },
        { name: 'StartTime', type: 'dynamic' },
      ];
      const rows: KustoRow[] = [
        ['TEXAS', [1, 2, 3], [day(1), day(2), day(3)]],
        ['KANSAS', [4, null, 6], [day(1), day(2), day(3)]],
      ];
      const chart = cartesian('timechart', columns, rows);
      assert.deepEqual(chart.columns, { x: 'StartTime', y: ['count_'], series: ['State'] });
      assert.equal(chart.x.format, 'datetime');
      assert.deepEqual(chart.series.map((s) => [s.name, s.x, s.y]), [
        ['TEXAS', [ms(1), ms(2), ms(3)], [1, 2, 3]],
        ['KANSAS', [ms(1), ms(2), ms(3)], [4, null, 6]],
      ]);
    });
  });

  describe('exact values for tooltips', () => {
    it('keeps a long beyond 2^53 and a datetime with 100 ns digits exactly as the grid shows them', () => {
      const chart = cartesian('timechart', [{ name: 't', type: 'datetime' }, { name: 'n', type: 'long' }], [
        ['2007-01-01T00:00:00.1234567Z', '9007199254740993'],
        [day(2), 42],
      ]);
      const series = chart.series[0];
      assert.equal(exactTextAt(series.exactX, 0), '2007-01-01T00:00:00.1234567Z');
      assert.equal(exactTextAt(series.exactY, 0), '9007199254740993');
      assert.equal(exactTextAt(series.exactX, 1), undefined, 'a whole-millisecond datetime needs no exact text');
      assert.equal(chartValueText('datetime', series.x[1]), day(2), 'and reads as the grid shows it');
      assert.equal(chartValueText('number', series.y[1]), '42');
    });

    it('reads datetimes as Date.parse does, in every spelling Kusto and people use', () => {
      for (const text of [
        '2007-01-01T00:00:00.0000000Z',
        '2007-01-01T00:00:00Z',
        '2024-02-29T23:59:59.999Z',
        '2024-02-29T23:59:59.9990001Z',
        '1999-12-31T12:34:56.5Z',
        '2007-01-01 10:00:00',
        '2007-01-01',
        '0001-01-01T00:00:00.0000000Z',
      ]) {
        assert.equal(datetimeMs(text)?.value, Date.parse(text), text);
      }
      assert.equal(datetimeMs('2023-02-31T00:00:00Z')?.value, Date.parse('2023-02-31T00:00:00Z'), 'an impossible day reads as Date.parse reads it');
      assert.equal(datetimeMs('May 5'), undefined, 'text that only Date.parse would take is no datetime');
      assert.equal(datetimeMs('2024-02-29T23:59:59.9990001Z')?.exact, '2024-02-29T23:59:59.9990001Z');
    });

    it('writes timespans as Kusto does', () => {
      const chart = cartesian('linechart', [{ name: 'x', type: 'long' }, { name: 'd', type: 'timespan' }], [[1, '01:02:03.5000000']], { YColumns: 'd' });
      assert.equal(chart.y[0].format, 'timespan');
      assert.equal(chartValueText('timespan', chart.series[0].y[0]), '01:02:03.5000000');
    });
  });

  describe('kind, accumulate and ysplit', () => {
    const columns: KustoColumn[] = [{ name: 'State', type: 'string' }, { name: 'a', type: 'long' }, { name: 'b', type: 'long' }];
    const rows: KustoRow[] = [['TX', 1, 3], ['KS', 2, 2]];

    it('draws a columnchart over categories in order of first appearance, and a barchart horizontally', () => {
      const chart = cartesian('columnchart', columns, rows);
      assert.deepEqual(chart.x.categories, ['TX', 'KS']);
      assert.deepEqual(chart.series.map((s) => [s.name, s.x, s.y, s.draw]), [['a', [0, 1], [1, 2], 'bar'], ['b', [0, 1], [3, 2], 'bar']]);
      assert.equal(chart.horizontal, false);
      assert.equal(cartesian('barchart', columns, rows).horizontal, true);
    });

    it('stacks (kind=stacked) and shows shares for kind=stacked100, keeping each value for the tooltip', () => {
      assert.equal(cartesian('columnchart', columns, rows, { Kind: 'stacked' }).stack, 'stacked');
      const chart = cartesian('columnchart', columns, rows, { Kind: 'stacked100' });
      assert.deepEqual(chart.series.map((s) => s.y), [[25, 50], [75, 50]]);
      assert.equal(exactTextAt(chart.series[0].exactY, 0), '1 (25.0%)');
      assert.deepEqual([chart.y[0].min, chart.y[0].max], [0, 100]);
      assert.equal(cartesian('areachart', columns, rows, { Kind: 'unstacked' }).stack, 'none');
    });

    it('adds each value to its predecessors with accumulate=true', () => {
      const chart = cartesian('linechart', [{ name: 'x', type: 'long' }, { name: 'y', type: 'long' }], [[3, 5], [1, 1], [2, 2]], { Accumulate: true });
      assert.deepEqual(chart.series[0].y, [1, 3, 8]);
    });

    it('gives each y column its own axis (ysplit=axes) or panel (ysplit=panels)', () => {
      const axes = cartesian('linechart', columns, rows, { YSplit: 'axes' });
      assert.deepEqual(axes.series.map((s) => s.axisIndex), [0, 1]);
      assert.deepEqual(axes.y.map((a) => a.title), ['a', 'b']);
      const panels = cartesian('linechart', columns, rows, { YSplit: 'panels' });
      assert.equal(panels.ysplit, 'panels');
      assert.equal(panels.y.length, 2);
    });

    it('sums pivotchart values per x and series', () => {
      const chart = cartesian('pivotchart', [{ name: 'State', type: 'string' }, { name: 'n', type: 'long' }], [['TX', 1], ['KS', 2], ['TX', 4]]);
      assert.deepEqual(chart.series[0].y, [5, 2]);
    });

    it('marks anomalies of anomalychart as points on their line', () => {
      const chart = cartesian(
        'anomalychart',
        [{ name: 't', type: 'dynamic' }, { name: 'v', type: 'dynamic' }, { name: 'anomalies', type: 'dynamic' }],
        [[[day(1), day(2), day(3)], [10, 50, 11], [0, 1, 0]]],
        { AnomalyColumns: 'anomalies' },
      );
      assert.deepEqual(chart.columns.y, ['v'], 'the anomaly column is not a y column');
      const points = chart.series.find((s) => s.anomaly);
      assert.ok(points);
      assert.equal(points.draw, 'scatter');
      assert.deepEqual([points.x, points.y], [[ms(2)], [50]]);
    });
  });

  describe('pie, card, table, ladder, timepivot, treemap', () => {
    it('piechart: the first column names slices, the second sizes them; repeated names add up', () => {
      const pie = spec('piechart', [{ name: 'State', type: 'string' }, { name: 'n', type: 'long' }], [['TX', 1], ['KS', 2], ['TX', 4]]) as PieChartSpec;
      assert.deepEqual(pie.slices.map((s) => [s.name, s.value]), [['TX', 5], ['KS', 2]]);
      const many = Array.from({ length: MAX_PIE_SLICES + 1 }, (_, i): KustoRow => [`S${i}`, 1]);
      assert.match(errorOf('piechart', [{ name: 'State', type: 'string' }, { name: 'n', type: 'long' }], many), /more than 500 slices/);
    });

    it('card: the first record, its first numeric value first', () => {
      const card = spec('card', [{ name: 'Name', type: 'string' }, { name: 'Total', type: 'long' }], [['all', '9007199254740993']], { Title: 'Events' });
      assert.equal(card.shape, 'card');
      if (card.shape === 'card') assert.deepEqual(card.fields, [{ name: 'Total', text: '9007199254740993' }, { name: 'Name', text: 'all' }]);
      assert.equal(card.title, 'Events');
    });

    it('table: the table is the visualization', () => {
      assert.equal(spec('table', byDayAndState, byDayAndStateRows).shape, 'table');
    });

    it('ladderchart: the last two columns are start and end, the others name the row', () => {
      const ladder = spec('ladderchart', [{ name: 'Job', type: 'string' }, { name: 'Start', type: 'datetime' }, { name: 'End', type: 'datetime' }], [
        ['build', day(1), day(2)],
        ['test', day(2), day(3)],
      ]) as LadderChartSpec;
      assert.deepEqual(ladder.categories, ['build', 'test']);
      assert.deepEqual(ladder.bars.map((b) => [b.category, b.start, b.end]), [[0, ms(1), ms(2)], [1, ms(2), ms(3)]]);
      assert.equal(ladder.instants, false);
    });

    it('timepivot: each record an instant on the time line, in a row per distinct value', () => {
      const pivot = spec('timepivot', byDayAndState, byDayAndStateRows) as LadderChartSpec;
      assert.equal(pivot.instants, true);
      assert.deepEqual(pivot.categories, ['TEXAS', 'KANSAS']);
      assert.equal(pivot.bars.length, 4);
    });

    it('treemap: category columns are the levels, the numeric column the size', () => {
      const map = spec('treemap', [{ name: 'State', type: 'string' }, { name: 'Type', type: 'string' }, { name: 'n', type: 'long' }], [
        ['TX', 'Hail', 2],
        ['TX', 'Flood', 3],
        ['KS', 'Hail', 4],
      ]) as TreemapChartSpec;
      assert.deepEqual(map.roots, [
        { name: 'TX', value: 5, children: [{ name: 'Hail', value: 2 }, { name: 'Flood', value: 3 }] },
        { name: 'KS', value: 4, children: [{ name: 'Hail', value: 4 }] },
      ]);
    });
  });

  describe('the chart message', () => {
    it('sends x once for series over the same rows, and evenly spaced x as start and step; the page gets them back', () => {
      const rows: KustoRow[] = Array.from({ length: 40 }, (_, i) => [`2007-01-01T${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00.0000000Z`, i, i * 2]);
      const columns: KustoColumn[] = [{ name: 't', type: 'datetime' }, { name: 'a', type: 'long' }, { name: 'b', type: 'long' }];
      const chart = cartesian('timechart', columns, rows);
      const packed = packChartSpec(chart) as CartesianChartSpec;
      assert.deepEqual(packed.series.map((s) => [s.x.length, s.xSameAs, s.xRange?.step]), [[0, undefined, 15 * 60_000], [0, 0, undefined]]);
      assert.ok(JSON.stringify(packed).length < JSON.stringify(chart).length / 2);
      assert.deepEqual(unpackChartSpec(JSON.parse(JSON.stringify(packed)) as ChartSpec), chart);
      const uneven = cartesian('timechart', columns, [rows[0], rows[3], rows[4]]);
      assert.deepEqual(unpackChartSpec(packChartSpec(uneven)), uneven);
    });
  });

  describe('rows as kept', () => {
    it('draws from a table parsed on read (the v2 body bytes), not a copy', () => {
      const body = JSON.stringify([
        { FrameType: 'DataSetHeader', IsProgressive: false, Version: 'v2.0' },
        {
          FrameType: 'DataTable', TableId: 1, TableKind: 'PrimaryResult', TableName: 'PrimaryResult',
          Columns: byDayAndState.map((c) => ({ ColumnName: c.name, ColumnType: c.type })),
          Rows: Array.from({ length: 5000 }, (_, i) => [day(1 + (i % 3)), i % 2 ? 'TEXAS' : 'KANSAS', i]),
        },
        { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false },
      ]);
      const table = parseKustoResponseChunks([Buffer.from(body)]).tables[0];
      const built = buildChartSpec(settingsOf('timechart'), table.columns, table.rows);
      assert.ok('spec' in built && built.spec.shape === 'cartesian');
      const points = built.spec.series.reduce((sum, s) => sum + s.x.length, 0);
      assert.equal(points, 5000);
    });
  });

  describe('the Chart button', () => {
    it('guesses a timechart for time + numbers, a columnchart for text + numbers, a scatterchart for numbers', () => {
      assert.deepEqual(guessChartRequest(byDayAndState), { kind: 'timechart', x: 'StartTime', y: ['count_'], series: ['State'] });
      assert.equal(guessChartRequest([{ name: 's', type: 'string' }, { name: 'n', type: 'long' }]).kind, 'columnchart');
      assert.equal(guessChartRequest([{ name: 'a', type: 'real' }, { name: 'b', type: 'real' }]).kind, 'scatterchart');
    });

    it('builds what the picker asked for', () => {
      const built = buildChartSpec(chartSettingsFromRequest({ kind: 'piechart', x: 'State', y: ['count_'] }), byDayAndState, rowsOf(byDayAndStateRows));
      assert.ok('spec' in built && built.spec.shape === 'pie');
      assert.deepEqual((built.spec as PieChartSpec).slices.map((s) => [s.name, s.value]), [['TEXAS', 8], ['KANSAS', 8]]);
    });

    it('accepts only well-formed requests and images from the page', () => {
      assert.deepEqual(parseChartRequest({ kind: 'piechart', x: 'a', y: ['b'] }), { kind: 'piechart', x: 'a', y: ['b'], series: [] });
      assert.equal(parseChartRequest({ kind: 'donut' }), undefined);
      assert.equal(parseChartRequest({ kind: 'piechart', y: [1] }), undefined);
      assert.ok(parseChartImage('png', 'iVBORw0KGgo='));
      assert.equal(parseChartImage('png', 'not base64!'), undefined);
      assert.ok(parseChartImage('svg', '<svg width="1"></svg>'));
      assert.equal(parseChartImage('svg', '<script>alert(1)</script>'), undefined);
      assert.equal(parseChartImage('gif', 'R0lGOD'), undefined);
    });
  });
});
