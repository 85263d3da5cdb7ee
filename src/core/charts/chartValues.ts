// Cells as chart numbers: a datetime as epoch milliseconds, a timespan as milliseconds, a long beyond 2^53 as
// the nearest double; with the exact text the grid shows whenever the number is not that value.

import type { KustoColumn, KustoScalarType, KustoValue } from '../kusto/resultTypes';
import { formatKustoValue, parseTimespanMs } from '../kusto/valueDecoding';
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

const isoDatePrefix = /^-?\d{4}-\d\d-\d\d/;

/** Milliseconds of a Kusto datetime text; undefined when it is not one. */
export function datetimeMs(text: string): ChartNumber | undefined {
  // Kusto writes ISO 8601; Date.parse alone would also take "5" or "May" for a date.
  if (!isoDatePrefix.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  // "2007-01-01T00:00:00.1234567Z": digits past the millisecond are 100 ns ticks a double date cannot hold.
  const dot = text.indexOf('.', 19);
  if (dot >= 0) {
    for (let i = dot + 4; i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57; i++) {
      if (text.charCodeAt(i) !== 48) return { value: ms, exact: text };
    }
  }
  return { value: ms };
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
