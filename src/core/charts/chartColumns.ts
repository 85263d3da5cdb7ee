// Which column plays which role (x, y, series) when the query does not say: the render operator's documented
// defaults. Also the guess the Chart button starts from on a result that asked for no chart.

import type { KustoColumn } from '../kusto/resultTypes';
import type { KustoRows } from '../kusto/kustoRows';
import type { ChartKind, ChartRequest } from '../../shared/chartSpec';
import { datetimeMs, isCategoryColumnType, isNumericColumnType } from './chartValues';

export class ChartInputError extends Error {}

export interface ResolvedColumns {
  readonly x: number;
  readonly y: readonly number[];
  readonly series: readonly number[];
  /** make-series output: x and y cells are arrays, one point per element. */
  readonly expandArrays: boolean;
  /** With expandArrays: whether the x arrays hold datetimes (else numbers). */
  readonly xArrayOfDatetimes: boolean;
}

export function findColumn(columns: readonly KustoColumn[], name: string, role: string): number {
  const index = columns.findIndex((column) => column.name === name);
  if (index >= 0) return index;
  const folded = columns.findIndex((column) => column.name.toLowerCase() === name.toLowerCase());
  if (folded >= 0) return folded;
  throw new ChartInputError(`The ${role} column "${name}" is not in the result (columns: ${columns.map((c) => c.name).join(', ')}).`);
}

/** The first value of column `index` that is not null (make-series detection looks at one row). */
function firstValue(rows: KustoRows, index: number): unknown {
  const count = Math.min(rows.length, 50);
  for (let r = 0; r < count; r++) {
    const value = rows.at(r)[index];
    if (value !== null && value !== undefined) return value;
  }
  return undefined;
}

function arrayOf(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A dynamic column holding arrays (make-series): of datetimes, or of numbers. */
function arrayColumnKind(rows: KustoRows, column: KustoColumn, index: number): 'datetimes' | 'numbers' | undefined {
  if (column.type !== 'dynamic') return undefined;
  const array = arrayOf(firstValue(rows, index));
  const element = array?.find((e) => e !== null && e !== undefined);
  if (typeof element === 'number') return 'numbers';
  if (typeof element === 'string') return datetimeMs(element) ? 'datetimes' : Number.isFinite(Number(element)) ? 'numbers' : undefined;
  return undefined;
}

export function cellArray(value: unknown): readonly unknown[] {
  return arrayOf(value) ?? [];
}

const timeKinds: ReadonlySet<ChartKind> = new Set(['timechart', 'anomalychart', 'timepivot']);

/**
 * x, y and series columns for a cartesian chart: what the query named, else the documented defaults — x is
 * the first datetime column for a timechart (the first column otherwise), y every numeric column that is not
 * x or a series, series the remaining category columns. make-series arrays are expanded.
 */
export function resolveCartesianColumns(
  kind: ChartKind,
  columns: readonly KustoColumn[],
  rows: KustoRows,
  named: { xColumn?: string; yColumns?: readonly string[]; series?: readonly string[]; exclude?: readonly string[] },
): ResolvedColumns {
  const excluded = new Set((named.exclude ?? []).map((name) => findColumn(columns, name, 'anomaly')));
  const arrayKinds = columns.map((column, index) => arrayColumnKind(rows, column, index));
  const expandArrays = arrayKinds.some((k) => k !== undefined) && !columns.some((c) => c.type === 'datetime' && timeKinds.has(kind));
  let x: number;
  if (named.xColumn) {
    x = findColumn(columns, named.xColumn, 'x');
  } else if (expandArrays) {
    x = arrayKinds.indexOf('datetimes');
    if (x < 0) x = timeKinds.has(kind) ? -1 : 0;
  } else if (timeKinds.has(kind)) {
    x = columns.findIndex((column) => column.type === 'datetime');
  } else {
    x = 0;
  }
  if (x < 0 || x >= columns.length) {
    throw new ChartInputError(`A ${kind} needs a datetime column for its x axis; this result has none (columns: ${columns.map((c) => `${c.name}:${c.type}`).join(', ')}).`);
  }
  const seriesNamed = named.series?.map((name) => findColumn(columns, name, 'series'));
  let y: number[];
  if (named.yColumns) {
    y = named.yColumns.map((name) => findColumn(columns, name, 'y'));
  } else {
    y = columns
      .map((column, index) => index)
      .filter((index) => index !== x && !excluded.has(index) && !seriesNamed?.includes(index))
      .filter((index) => (expandArrays ? arrayKinds[index] === 'numbers' : isNumericColumnType(columns[index].type)));
  }
  if (y.length === 0) {
    throw new ChartInputError(`There is no numeric column to draw as y (columns: ${columns.map((c) => `${c.name}:${c.type}`).join(', ')}).`);
  }
  const series =
    seriesNamed ??
    columns
      .map((column, index) => index)
      .filter((index) => index !== x && !y.includes(index) && !excluded.has(index) && arrayKinds[index] === undefined)
      .filter((index) => isCategoryColumnType(columns[index].type) || (columns[index].type === 'datetime' && !timeKinds.has(kind)));
  return { x, y, series, expandArrays, xArrayOfDatetimes: arrayKinds[x] === 'datetimes' };
}

/** The Chart button's first guess for a result that asked for no chart. */
export function guessChartRequest(columns: readonly KustoColumn[]): ChartRequest {
  const numeric = columns.filter((c) => isNumericColumnType(c.type));
  const datetime = columns.find((c) => c.type === 'datetime');
  const category = columns.find((c) => c.type === 'string' || c.type === 'guid' || c.type === 'bool');
  if (datetime && numeric.length > 0) {
    return { kind: 'timechart', x: datetime.name, y: numeric.slice(0, 3).map((c) => c.name), series: category ? [category.name] : [] };
  }
  if (category && numeric.length > 0) {
    return { kind: 'columnchart', x: category.name, y: [numeric[0].name], series: [] };
  }
  if (numeric.length >= 2) {
    return { kind: 'scatterchart', x: numeric[0].name, y: numeric.slice(1, 3).map((c) => c.name), series: [] };
  }
  if (columns.some((c) => c.type === 'dynamic')) {
    return { kind: 'timechart', series: [] };
  }
  return { kind: 'columnchart', series: [] };
}
