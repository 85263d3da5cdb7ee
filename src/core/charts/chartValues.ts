// Cells as chart numbers: a datetime as epoch milliseconds, a timespan as milliseconds, a long beyond 2^53 as
// the nearest double; with the exact text the grid shows whenever the number is not that value.

import type { KustoColumn, KustoScalarType, KustoValue } from '../kusto/resultTypes';
import { formatKustoValue, parseDatetime, parseTimespanMs } from '../kusto/valueDecoding';
import { timespanText, type ValueFormat } from '../../shared/chartSpec';

export interface ChartNumber {
  readonly value: number;
  /** Set when `value` is not exactly what the grid shows. */
  readonly exact?: string;
}

export function isNumericColumnType(type: KustoScalarType): boolean {
  return type === 'int' || type === 'long' || type === 'real' || type === 'decimal';
}

/** Columns whose values make categories (series keys, pie slices, x of a column chart). */
export function isCategoryColumnType(type: KustoScalarType): boolean {
  return type === 'string' || type === 'guid' || type === 'bool' || type === 'dynamic';
}

/** Milliseconds of a Kusto datetime text, with the text kept when it has 100 ns ticks a double cannot hold. */
export function datetimeMs(text: string): ChartNumber | undefined {
  const datetime = parseDatetime(text);
  if (datetime === undefined) return undefined;
  return datetime.subMsTicks === 0 ? { value: datetime.ms } : { value: datetime.ms, exact: text };
}

/** A numeric cell (number, or text: long digits, "NaN", decimal) as a number; null for null and NaN. */
export function numericValue(raw: unknown): ChartNumber | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? { value: raw } : null;
  if (typeof raw === 'boolean') return { value: raw ? 1 : 0 };
  if (typeof raw !== 'string') return null;
  const value = Number(raw);
  if (!Number.isFinite(value)) return null;
  return String(value) === raw ? { value } : { value, exact: raw };
}

/** A cell of a column of `type` as a chart number; null where it has none (null, NaN, text that is no number). */
export function chartNumber(type: KustoScalarType, raw: unknown): ChartNumber | null {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'datetime':
      return typeof raw === 'string' ? (datetimeMs(raw) ?? null) : null;
    case 'timespan': {
      // A numeric timespan is a count of 100 ns ticks.
      if (typeof raw === 'number') return { value: raw / 10_000 };
      if (typeof raw !== 'string') return null;
      const ms = parseTimespanMs(raw);
      if (ms === undefined) return null;
      return timespanText(ms) === raw ? { value: ms } : { value: ms, exact: raw };
    }
    case 'dynamic':
      // An element of a make-series array: a number, or a datetime text.
      if (typeof raw === 'string') return datetimeMs(raw) ?? numericValue(raw);
      return numericValue(raw);
    default:
      return numericValue(raw);
  }
}

export function axisFormat(type: KustoScalarType): ValueFormat {
  return type === 'datetime' ? 'datetime' : type === 'timespan' ? 'timespan' : isNumericColumnType(type) ? 'number' : 'category';
}

/** The text of a cell as the grid shows it ("null" for null, so a category is never blank). */
export function cellText(column: KustoColumn, raw: KustoValue | undefined): string {
  return formatKustoValue(column.type, raw) ?? 'null';
}
