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

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

/**
 * Kusto's own datetime text, "yyyy-MM-ddTHH:mm:ss[.fffffff]Z", read without Date.parse (a chart reads one per
 * point); undefined for any other spelling, which then goes through Date.parse.
 */
function kustoDatetimeMs(text: string): ChartNumber | undefined {
  if (text.length < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(text.length - 1) !== 90) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let ms = 0;
  let exact = false;
  if (text.length > 20) {
    if (text.charCodeAt(19) !== 46) return undefined;
    const fraction = text.length - 21;
    if (fraction < 1 || fraction > 7) return undefined;
    const value = digits(text, 20, fraction);
    if (value < 0) return undefined;
    const ticks = value * 10 ** (7 - fraction);
    ms = Math.floor(ticks / 10_000);
    // Digits past the millisecond are 100 ns ticks a double date cannot hold: keep the text for the tooltip.
    exact = ticks % 10_000 !== 0;
  }
  const value = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0-99 to 1900-1999 and rolls 31 February over: leave those to Date.parse.
  if (year < 100 || new Date(value).getUTCDate() !== day) return undefined;
  return exact ? { value, exact: text } : { value };
}

/** Milliseconds of a Kusto datetime text; undefined when it is not one. */
export function datetimeMs(text: string): ChartNumber | undefined {
  const fast = kustoDatetimeMs(text);
  if (fast) return fast;
  // Kusto writes ISO 8601; Date.parse alone would also take "5" or "May" for a date.
  if (!isoDatePrefix.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
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
