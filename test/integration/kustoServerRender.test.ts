// `render` on the local Kusto server: the QueryProperties (@ExtendedProperties) row the real service writes for
// each result table, with every documented property, read back by the client's own parser into chart settings.

import * as assert from 'node:assert/strict';
import type { RunningKustoServer } from '../../src/localServers/kusto/kustoServer';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import { chartSettingsFrom, visualizationsOfResults } from '../../src/core/charts/chartSettings';
import { buildChartSpec } from '../../src/core/charts/chartSpecBuilder';
import { parseFrames, queryV2 } from '../support/kustoTestClient';
import { useLocalKustoServer } from '../support/localKustoServer';

describe('local Kusto server: render', () => {
  let server: RunningKustoServer;
  let token: string;
  useLocalKustoServer((started) => ({ server, token } = started));

  async function visualizationJson(query: string): Promise<Record<string, unknown>[]> {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', query));
    const properties = frames.find((f) => f.TableKind === 'QueryProperties');
    assert.equal(properties?.TableName, '@ExtendedProperties');
    assert.deepEqual(properties?.Columns, [
      { ColumnName: 'TableId', ColumnType: 'int' },
      { ColumnName: 'Key', ColumnType: 'string' },
      { ColumnName: 'Value', ColumnType: 'dynamic' },
    ]);
    return (properties?.Rows as unknown[][]).map((row) => ({ TableId: row[0], Key: row[1], ...(JSON.parse(String(row[2])) as Record<string, unknown>) }));
  }

  it('writes every Visualization property, unset ones as Kusto does (null, "NaN", false)', async () => {
    const [row] = await visualizationJson('StormEvents | summarize count() by bin(StartTime, 1d), State | render timechart');
    assert.deepEqual(row, {
      TableId: 1, Key: 'Visualization', Visualization: 'timechart', Title: null, XColumn: null, Series: null, YColumns: null, AnomalyColumns: null,
      XTitle: null, YTitle: null, XAxis: null, YAxis: null, Legend: null, YSplit: null, Accumulate: false, IsQuerySorted: false, Kind: null,
      Ymin: 'NaN', Ymax: 'NaN', Xmin: null, Xmax: null,
    });
  });

  it('answers the documented properties of `render … with (…)`', async () => {
    const [row] = await visualizationJson(
      "StormEvents | summarize Events = count(), Deaths = sum(DeathsDirect) by State | render columnchart with (title='Storms by state', xcolumn=State, ycolumns=Events, Deaths, series=State, xtitle='State', ytitle='How many', legend=hidden, ymin=0, ymax=5000, xaxis=linear, yaxis=log, kind=stacked100, ysplit=panels, accumulate=true)",
    );
    assert.deepEqual(
      [row.Title, row.XColumn, row.YColumns, row.Series, row.XTitle, row.YTitle, row.Legend, row.Ymin, row.Ymax, row.XAxis, row.YAxis, row.Kind, row.YSplit, row.Accumulate],
      ['Storms by state', 'State', 'Events,Deaths', 'State', 'State', 'How many', 'hidden', 0, 5000, 'linear', 'log', 'stacked100', 'panels', true],
    );
    const [anomaly] = await visualizationJson('StormEvents | take 1 | project StartTime, DamageProperty, DeathsDirect | render anomalychart with (anomalycolumns=DeathsDirect)');
    assert.equal(anomaly.AnomalyColumns, 'DeathsDirect');
  });

  it('gives a batch one row per result table, and the client draws each from its own', async () => {
    const body = await queryV2(server.url, token, 'Samples', 'StormEvents | summarize count() by State | top 5 by count_ | render piechart; StormEvents | summarize count() by bin(StartTime, 7d) | render timechart');
    const parsed = parseKustoResponseChunks([body.body]);
    const primary = parsed.tables.filter((t) => t.kind === 'PrimaryResult');
    const visualizations = visualizationsOfResults(parsed.tables, primary, parsed.visualization);
    assert.deepEqual(visualizations.map((v) => v?.type), ['piechart', 'timechart']);
    const shapes = primary.map((table, i) => {
      const settings = chartSettingsFrom(visualizations[i]!);
      assert.ok(!('error' in settings));
      const built = buildChartSpec(settings, table.columns, table.rows);
      assert.ok('spec' in built, 'error' in built ? built.error : '');
      return built.spec.shape;
    });
    assert.deepEqual(shapes, ['pie', 'cartesian']);
  });
});
