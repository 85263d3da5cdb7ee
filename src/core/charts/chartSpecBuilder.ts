// A result table + its visualization settings → a ChartSpec (plain data the chart view draws), or the reason it
// cannot be drawn. Rows are read from the table as kept (KustoRows, parsed on read), block by block.

import type { KustoColumn } from '../kusto/resultTypes';
import { ITERATION_BLOCK_ROWS, type KustoRows } from '../kusto/kustoRows';
import type { CardChartSpec, ChartSpec, LadderChartSpec, PieChartSpec, TreemapChartSpec, TreemapNode } from '../../shared/chartSpec';
import { buildCartesianChart } from './cartesianChart';
import { ChartInputError, findColumn } from './chartColumns';
import type { ChartSettings } from './chartSettings';
import { cellText, chartNumber, isCategoryColumnType, isNumericColumnType } from './chartValues';

export const MAX_PIE_SLICES = 500;
export const MAX_LADDER_ROWS = 20_000;
export const MAX_TREEMAP_NODES = 20_000;

export type ChartBuildResult = { readonly spec: ChartSpec } | { readonly error: string };

export function buildChartSpec(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): ChartBuildResult {
  try {
    if (columns.length === 0) throw new ChartInputError('The result has no columns to draw.');
    return { spec: buildSpec(settings, columns, rows) };
  } catch (error) {
    if (error instanceof ChartInputError) return { error: error.message };
    throw error;
  }
}

function buildSpec(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): ChartSpec {
  const common = { kind: settings.kind, title: settings.title ?? '', legend: settings.legend };
  switch (settings.kind) {
    case 'table':
      return { ...common, shape: 'table', columns: { y: [], series: [] } };
    case 'card':
      return buildCard(settings, columns, rows);
    case 'piechart':
      return buildPie(settings, columns, rows);
    case 'ladderchart':
      return buildLadder(settings, columns, rows);
    case 'timepivot':
      return buildTimePivot(settings, columns, rows);
    case 'treemap':
      return buildTreemap(settings, columns, rows);
    default:
      return buildCartesianChart(settings, columns, rows);
  }
}

function* eachRow(rows: KustoRows): Generator<readonly unknown[]> {
  for (let start = 0; start < rows.length; start += ITERATION_BLOCK_ROWS) {
    yield* rows.slice(start, start + ITERATION_BLOCK_ROWS);
  }
}

function firstIndex(columns: readonly KustoColumn[], test: (column: KustoColumn) => boolean, except: readonly number[] = []): number {
  return columns.findIndex((column, index) => !except.includes(index) && test(column));
}

/** card: the first record's values; the first numeric one is the headline. */
function buildCard(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): CardChartSpec {
  if (rows.length === 0) throw new ChartInputError('A card shows the first record, and the result has no rows.');
  const row = rows.at(0);
  const chosen = settings.yColumns ? settings.yColumns.map((name) => findColumn(columns, name, 'y')) : columns.map((_, i) => i);
  const headline = chosen.find((i) => isNumericColumnType(columns[i].type)) ?? chosen[0];
  const order = [headline, ...chosen.filter((i) => i !== headline)];
  return {
    shape: 'card',
    kind: 'card',
    title: settings.title ?? columns[headline].name,
    legend: false,
    columns: { y: order.map((i) => columns[i].name), series: [] },
    fields: order.map((i) => ({ name: columns[i].name, text: cellText(columns[i], row[i] as never) })),
  };
}

/** piechart: the first column is the colour axis (slice names), the second (first numeric) the size. */
function buildPie(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): PieChartSpec {
  const nameColumns = settings.series
    ? settings.series.map((n) => findColumn(columns, n, 'series'))
    : settings.xColumn
      ? [findColumn(columns, settings.xColumn, 'x')]
      : [Math.max(0, firstIndex(columns, (c) => !isNumericColumnType(c.type)))];
  const value = settings.yColumns
    ? findColumn(columns, settings.yColumns[0], 'y')
    : firstIndex(columns, (c) => isNumericColumnType(c.type), nameColumns);
  if (value < 0) throw new ChartInputError('A piechart needs a numeric column for the size of its slices; this result has none.');
  const sums = new Map<string, { value: number; exact?: string; count: number }>();
  let negative = 0;
  for (const row of eachRow(rows)) {
    const name = nameColumns.map((i) => cellText(columns[i], row[i] as never)).join(', ');
    const number = chartNumber(columns[value].type, row[value]);
    if (!number) continue;
    if (number.value < 0) {
      negative++;
      continue;
    }
    const slice = sums.get(name);
    if (slice) {
      slice.value += number.value;
      slice.count++;
    } else {
      if (sums.size >= MAX_PIE_SLICES) {
        throw new ChartInputError(`A piechart of more than ${MAX_PIE_SLICES} slices is unreadable; summarize or take the top values first.`);
      }
      sums.set(name, { value: number.value, exact: number.exact, count: 1 });
    }
  }
  return {
    shape: 'pie',
    kind: 'piechart',
    title: settings.title ?? '',
    legend: settings.legend,
    columns: { x: columns[nameColumns[0]].name, y: [columns[value].name], series: nameColumns.slice(1).map((i) => columns[i].name) },
    slices: [...sums].map(([name, slice]) => ({ name, value: slice.value, text: slice.count === 1 && slice.exact ? slice.exact : String(slice.value) })),
    ...(negative ? { notes: [`${negative} negative value${negative === 1 ? '' : 's'} cannot be a slice and ${negative === 1 ? 'is' : 'are'} left out.`] } : {}),
  };
}

/** ladderchart: the last two columns are each bar's start and end on x; the other columns name its row. */
function buildLadder(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): LadderChartSpec {
  if (columns.length < 3) throw new ChartInputError('A ladderchart needs at least three columns: one or more that name a row, then a start and an end.');
  const start = columns.length - 2;
  const end = columns.length - 1;
  const labels = columns.map((_, i) => i).filter((i) => i < start);
  return ladderFrom(settings, columns, rows, labels, start, end, false);
}

/** timepivot: each record is an event on the time line, in a row per distinct value of the other columns. */
function buildTimePivot(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): LadderChartSpec {
  const time = settings.xColumn ? findColumn(columns, settings.xColumn, 'x') : firstIndex(columns, (c) => c.type === 'datetime');
  if (time < 0) throw new ChartInputError('A timepivot needs a datetime column; this result has none.');
  const labels = settings.series
    ? settings.series.map((n) => findColumn(columns, n, 'series'))
    : columns.map((_, i) => i).filter((i) => i !== time && isCategoryColumnType(columns[i].type));
  return ladderFrom(settings, columns, rows, labels, time, time, true);
}

function ladderFrom(
  settings: ChartSettings,
  columns: readonly KustoColumn[],
  rows: KustoRows,
  labels: readonly number[],
  start: number,
  end: number,
  instants: boolean,
): LadderChartSpec {
  if (rows.length > MAX_LADDER_ROWS) {
    throw new ChartInputError(`A ${settings.kind} draws one mark per record; ${rows.length.toLocaleString('en-US')} records is more than ${MAX_LADDER_ROWS.toLocaleString('en-US')}. Filter or summarize first.`);
  }
  const categories: string[] = [];
  const indexOf = new Map<string, number>();
  const bars: { category: number; start: number; end: number; startText: string; endText: string }[] = [];
  for (const row of eachRow(rows)) {
    const from = chartNumber(columns[start].type, row[start]);
    const to = chartNumber(columns[end].type, row[end]);
    if (!from || !to) continue;
    const label = labels.length ? labels.map((i) => cellText(columns[i], row[i] as never)).join(', ') : columns[start].name;
    let category = indexOf.get(label);
    if (category === undefined) {
      category = categories.length;
      categories.push(label);
      indexOf.set(label, category);
    }
    bars.push({ category, start: from.value, end: to.value, startText: cellText(columns[start], row[start] as never), endText: cellText(columns[end], row[end] as never) });
  }
  if (bars.length === 0 && rows.length > 0) {
    throw new ChartInputError(
      instants
        ? `No record has a value in ${columns[start].name}.`
        : `A ladderchart's last two columns are the start and end of each bar (datetime or numbers); here they are ${columns[start].name}:${columns[start].type} and ${columns[end].name}:${columns[end].type}.`,
    );
  }
  return {
    shape: 'ladder',
    kind: settings.kind,
    title: settings.title ?? '',
    legend: false,
    columns: { x: columns[start].name, y: instants ? [] : [columns[end].name], series: labels.map((i) => columns[i].name) },
    categories,
    bars,
    instants,
    format: columns[start].type === 'datetime' ? 'datetime' : columns[start].type === 'timespan' ? 'timespan' : 'number',
  };
}

/** treemap: the category columns (or series) are the levels, in order; the first numeric column the size. */
function buildTreemap(settings: ChartSettings, columns: readonly KustoColumn[], rows: KustoRows): TreemapChartSpec {
  const value = settings.yColumns ? findColumn(columns, settings.yColumns[0], 'y') : firstIndex(columns, (c) => isNumericColumnType(c.type));
  if (value < 0) throw new ChartInputError('A treemap needs a numeric column for the size of its rectangles; this result has none.');
  const levels = settings.series
    ? settings.series.map((n) => findColumn(columns, n, 'series'))
    : columns.map((_, i) => i).filter((i) => i !== value && isCategoryColumnType(columns[i].type));
  if (levels.length === 0) throw new ChartInputError('A treemap needs at least one text column to name its rectangles.');
  interface Node { value: number; children: Map<string, Node> }
  const root: Node = { value: 0, children: new Map() };
  let nodes = 0;
  for (const row of eachRow(rows)) {
    const number = chartNumber(columns[value].type, row[value]);
    if (!number || number.value <= 0) continue;
    let node = root;
    node.value += number.value;
    for (const level of levels) {
      const name = cellText(columns[level], row[level] as never);
      let child = node.children.get(name);
      if (!child) {
        if (++nodes > MAX_TREEMAP_NODES) throw new ChartInputError(`A treemap of more than ${MAX_TREEMAP_NODES.toLocaleString('en-US')} rectangles is unreadable; summarize first.`);
        child = { value: 0, children: new Map() };
        node.children.set(name, child);
      }
      child.value += number.value;
      node = child;
    }
  }
  const toNodes = (node: Node): TreemapNode[] =>
    [...node.children].map(([name, child]) => (child.children.size ? { name, value: child.value, children: toNodes(child) } : { name, value: child.value }));
  return {
    shape: 'treemap',
    kind: 'treemap',
    title: settings.title ?? '',
    legend: false,
    columns: { y: [columns[value].name], series: levels.map((i) => columns[i].name) },
    valueName: columns[value].name,
    roots: toNodes(root),
  };
}
