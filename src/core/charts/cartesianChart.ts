// Line, area, column, bar, scatter, time and anomaly charts (and pivotchart, timepivot): rows grouped into
// series by the series columns, one series per y column, points in x order; stacking, accumulate, ysplit.

import type { KustoColumn } from '../kusto/resultTypes';
import { ITERATION_BLOCK_ROWS, type KustoRows } from '../kusto/kustoRows';
import type { CartesianChartSpec, ChartAxisSpec, ChartKind, ChartSeriesSpec, ExactTexts } from '../../shared/chartSpec';
import { ChartInputError, cellArray, findColumn, resolveCartesianColumns } from './chartColumns';
import type { ChartSettings } from './chartSettings';
import { axisFormat, cellText, chartNumber, type ChartNumber } from './chartValues';
import { readChartCells } from './chartCells';

/** More series than this is no longer readable (and usually a wrong guess of the series columns). */
export const MAX_SERIES = 200;
/** Points a chart holds at most; the canvas renderer samples lines, but the data must still travel. */
export const MAX_POINTS = 3_000_000;
export const MAX_PANELS = 5;

interface SeriesBuilder {
  readonly name: string;
  readonly yIndex: number;
  readonly anomaly: boolean;
  x: number[];
  y: (number | null)[];
  exactX: [number, string][];
  exactY: [number, string][];
}

const drawOf: Partial<Record<ChartKind, ChartSeriesSpec['draw']>> = {
  timechart: 'line',
  linechart: 'line',
  anomalychart: 'line',
  areachart: 'area',
  stackedareachart: 'area',
  columnchart: 'bar',
  barchart: 'bar',
  pivotchart: 'bar',
  scatterchart: 'scatter',
};

export function buildCartesianChart(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): CartesianChartSpec {
  const kind = settings.kind;
  const anomalyNames = kind === 'anomalychart' ? (settings.anomalyColumns ?? []) : [];
  const resolved = resolveCartesianColumns(kind, columns, rows, {
    xColumn: settings.xColumn,
    yColumns: settings.yColumns,
    series: settings.series,
    exclude: settings.yColumns ? [] : anomalyNames,
  });
  const anomalies = anomalyNames.map((name) => findColumn(columns, name, 'anomaly'));
  const { x, y, series: seriesColumns, expandArrays, xArrayOfDatetimes } = resolved;
  const xColumn = columns[x];
  const xFormat = expandArrays ? (xArrayOfDatetimes ? 'datetime' : 'number') : axisFormat(xColumn.type);
  const categories: string[] = [];
  const categoryIndex = new Map<string, number>();
  const seriesByKey = new Map<string, SeriesBuilder>();
  const multipleY = y.length > 1;
  const notes: string[] = [];
  let skippedX = 0;
  let points = 0;
  const draw = drawOf[kind] ?? 'line';

  const seriesFor = (key: string, yIndex: number, anomaly: boolean, columnName: string): SeriesBuilder => {
    const id = `${key}\u0000${columnName}`;
    let builder = seriesByKey.get(id);
    if (!builder) {
      if (seriesByKey.size >= MAX_SERIES) {
        throw new ChartInputError(
          `This would draw more than ${MAX_SERIES} series (one per distinct ${seriesColumns.map((s) => columns[s].name).join(' + ') || 'value'}${multipleY ? ' and y column' : ''}). ` +
            'Name fewer series columns (render … with (series=…)) or summarize the rows first.',
        );
      }
      const name = key === '' ? columnName : multipleY || anomaly ? `${key}:${columnName}` : key;
      builder = { name, yIndex, anomaly, x: [], y: [], exactX: [], exactY: [] };
      seriesByKey.set(id, builder);
    }
    return builder;
  };

  // One lookup per row (not per point): the series of each y column for a series key.
  const buildersByKey = new Map<string, SeriesBuilder[]>();
  const buildersFor = (key: string): SeriesBuilder[] => {
    let builders = buildersByKey.get(key);
    if (!builders) {
      builders = y.map((column, i) => seriesFor(key, i, false, columns[column].name));
      buildersByKey.set(key, builders);
    }
    return builders;
  };

  const categoryNumber = (label: string): ChartNumber => {
    let index = categoryIndex.get(label);
    if (index === undefined) {
      index = categories.length;
      categories.push(label);
      categoryIndex.set(label, index);
    }
    return { value: index };
  };

  const addPoint = (builder: SeriesBuilder, xValue: ChartNumber, yValue: ChartNumber | null): void => {
    if (++points > MAX_POINTS) {
      throw new ChartInputError(`This chart would hold more than ${MAX_POINTS.toLocaleString('en-US')} points; summarize or bin the rows first.`);
    }
    const at = builder.x.length;
    builder.x.push(xValue.value);
    builder.y.push(yValue ? yValue.value : null);
    if (xValue.exact !== undefined) builder.exactX.push([at, xValue.exact]);
    if (yValue?.exact !== undefined) builder.exactY.push([at, yValue.exact]);
  };

  if (expandArrays) {
    for (let start = 0; start < rows.length; start += ITERATION_BLOCK_ROWS) {
      for (const row of rows.slice(start, start + ITERATION_BLOCK_ROWS)) {
        const key = seriesColumns.length === 0 ? '' : seriesColumns.map((s) => cellText(columns[s], row[s])).join(', ');
        const builders = buildersFor(key);
        const xs = cellArray(row[x]);
        for (let i = 0; i < y.length; i++) {
          const ys = cellArray(row[y[i]]);
          const flags = anomalies.map((a) => cellArray(row[a]));
          const builder = builders[i];
          for (let p = 0; p < xs.length; p++) {
            const xValue = chartNumber('dynamic', xs[p]);
            if (!xValue) continue;
            const yValue = chartNumber('dynamic', ys[p]);
            addPoint(builder, xValue, yValue);
            if (i === 0) flags.forEach((f, a) => addAnomaly(chartNumber('real', f[p]), a, key, xValue, yValue));
          }
        }
      }
    }
  } else {
    // Only the cells the chart uses are read (from the bytes as kept when it can): x, each y, each anomaly flag as
    // numbers; the series columns (and a category x) as the grid's text.
    const categoryX = xFormat === 'category';
    const numberCells = [...(categoryX ? [] : [{ column: x, as: xColumn.type }]), ...y.map((column) => ({ column, as: columns[column].type })), ...anomalies.map((column) => ({ column, as: 'real' as const }))];
    const textCells = [...seriesColumns, ...(categoryX ? [x] : [])];
    const yFrom = categoryX ? 0 : 1;
    const anomalyFrom = yFrom + y.length;
    readChartCells(rows, columns, numberCells, textCells, (block) => {
      const { numbers, texts } = block;
      for (let r = 0; r < block.count; r++) {
        let key = '';
        for (let s = 0; s < seriesColumns.length; s++) key = s === 0 ? texts[s][r] : `${key}, ${texts[s][r]}`;
        const builders = buildersFor(key);
        const xValue = categoryX ? categoryNumber(texts[seriesColumns.length][r]) : numbers[0][r];
        if (!xValue) {
          skippedX++;
          continue;
        }
        for (let i = 0; i < y.length; i++) {
          const yValue = numbers[yFrom + i][r];
          addPoint(builders[i], xValue, yValue);
          if (i === 0) for (let a = 0; a < anomalies.length; a++) addAnomaly(numbers[anomalyFrom + a][r], a, key, xValue, yValue);
        }
      }
    });
  }

  function addAnomaly(number: ChartNumber | null, which: number, key: string, xValue: ChartNumber, yValue: ChartNumber | null): void {
    if (!number || number.value === 0 || !yValue) return;
    addPoint(seriesFor(key, 0, true, columns[anomalies[which]].name), xValue, yValue);
  }

  if (skippedX > 0) notes.push(`${skippedX.toLocaleString('en-US')} row${skippedX === 1 ? '' : 's'} with an empty ${xColumn.name} not drawn.`);
  let built = [...seriesByKey.values()].map((builder) => finishSeries(builder, xFormat !== 'category' || kind === 'pivotchart', kind === 'pivotchart'));
  if (settings.accumulate) built = built.map(accumulateSeries);
  if (settings.stack === 'stacked100') built = toPercentages(built);

  const yPanels = settings.ysplit === 'none' ? 1 : settings.ysplit === 'panels' ? Math.min(MAX_PANELS, y.length) : y.length;
  if (settings.ysplit === 'panels' && y.length > MAX_PANELS) notes.push(`Only the first ${MAX_PANELS} y columns get a panel; the others share the last.`);
  const series: ChartSeriesSpec[] = built.map((b) => ({
    name: b.name,
    draw: b.anomaly ? 'scatter' : draw,
    axisIndex: settings.ysplit === 'none' ? 0 : Math.min(b.yIndex, yPanels - 1),
    x: b.x,
    y: b.y,
    ...(b.exactX.length ? { exactX: b.exactX } : {}),
    ...(b.exactY.length ? { exactY: b.exactY } : {}),
    ...(b.anomaly ? { anomaly: true } : {}),
  }));
  const yColumnsOnAxis = (axis: number): KustoColumn[] =>
    settings.ysplit === 'none' ? y.map((i) => columns[i]) : y.filter((_, i) => Math.min(i, yPanels - 1) === axis).map((i) => columns[i]);
  const yAxes: ChartAxisSpec[] = Array.from({ length: yPanels }, (_, axis) => {
    const onAxis = yColumnsOnAxis(axis);
    const format = settings.stack === 'stacked100' ? 'number' : onAxis.every((c) => c.type === 'timespan') ? 'timespan' : 'number';
    return {
      title: settings.yTitle ?? (settings.stack === 'stacked100' ? '%' : onAxis.length === 1 ? onAxis[0].name : ''),
      format,
      scale: settings.yLog ? 'log' : 'linear',
      ...(settings.yMin !== undefined ? { min: settings.yMin } : settings.stack === 'stacked100' ? { min: 0 } : {}),
      ...(settings.yMax !== undefined ? { max: settings.yMax } : settings.stack === 'stacked100' ? { max: 100 } : {}),
    };
  });
  if (settings.yLog && series.some((s) => s.y.some((v) => v !== null && v <= 0))) {
    notes.push('A log y axis cannot show zero or negative values; those points are not drawn.');
  }
  return {
    shape: 'cartesian',
    kind,
    title: settings.title ?? '',
    legend: settings.legend,
    columns: { x: xColumn.name, y: y.map((i) => columns[i].name), series: seriesColumns.map((i) => columns[i].name) },
    horizontal: kind === 'barchart',
    stack: settings.stack,
    ysplit: settings.ysplit,
    x: {
      title: settings.xTitle ?? xColumn.name,
      format: xFormat,
      scale: settings.xLog && xFormat === 'number' ? 'log' : 'linear',
      ...(xFormat === 'category' ? { categories } : {}),
    },
    y: yAxes,
    series,
    ...(notes.length ? { notes } : {}),
  };
}

/** A series whose points are in x order (and summed per x for pivots): the same fields as while it was built. */
type FinishedSeries = SeriesBuilder;

/** Points in x order (a chart's lines run left to right whatever order the rows came in); sums per x for pivots. */
function finishSeries(builder: SeriesBuilder, sortByX: boolean, sumByX: boolean): FinishedSeries {
  const count = builder.x.length;
  let sorted = true;
  for (let i = 1; i < count && sorted; i++) sorted = builder.x[i - 1] <= builder.x[i];
  if ((sorted || !sortByX) && !sumByX) return builder;
  const order = Array.from({ length: count }, (_, i) => i);
  if (!sorted && sortByX) order.sort((a, b) => builder.x[a] - builder.x[b] || a - b);
  const exactX = new Map(builder.exactX);
  const exactY = new Map(builder.exactY);
  const result: FinishedSeries = { name: builder.name, yIndex: builder.yIndex, anomaly: builder.anomaly, x: [], y: [], exactX: [], exactY: [] };
  for (const i of order) {
    const last = result.x.length - 1;
    if (sumByX && last >= 0 && result.x[last] === builder.x[i]) {
      const value = builder.y[i];
      if (value !== null) result.y[last] = (result.y[last] ?? 0) + value;
      continue;
    }
    const at = result.x.length;
    result.x.push(builder.x[i]);
    result.y.push(builder.y[i]);
    const xText = exactX.get(i);
    const yText = exactY.get(i);
    if (xText !== undefined) result.exactX.push([at, xText]);
    if (yText !== undefined) result.exactY.push([at, yText]);
  }
  return result;
}

/** accumulate=true: each value is added to its predecessors (a running total per series). */
function accumulateSeries(series: FinishedSeries): FinishedSeries {
  let total = 0;
  const y = series.y.map((value) => (value === null ? null : (total += value)));
  return { ...series, y, exactY: [] };
}

/** kind=stacked100: each value as its share (%) of all series at the same x; the value itself stays in the tooltip. */
function toPercentages(series: FinishedSeries[]): FinishedSeries[] {
  const totals = new Map<number, number>();
  for (const s of series) {
    s.x.forEach((x, i) => totals.set(x, (totals.get(x) ?? 0) + Math.abs(s.y[i] ?? 0)));
  }
  return series.map((s) => {
    const exact = new Map(s.exactY);
    const exactY: [number, string][] = [];
    const y = s.y.map((value, i) => {
      if (value === null) return null;
      const total = totals.get(s.x[i]) ?? 0;
      const share = total === 0 ? 0 : (Math.abs(value) / total) * 100;
      exactY.push([i, `${exact.get(i) ?? String(value)} (${share.toFixed(1)}%)`]);
      return share;
    });
    return { ...s, y, exactY };
  });
}

export type { ExactTexts };
