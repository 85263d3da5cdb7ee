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

/**
 * Reads "yyyy-MM-ddTHH:mm:ss[.fffffff]Z" from the character codes of a text (or the bytes of one): epoch ms, and
 * whether digits past the millisecond make the text the exact value. Undefined for any other spelling.
 */
function canonicalDatetime(text: string | Uint8Array, start: number, length: number): { value: number; exact: boolean } | undefined {
  if (length < 20 || length > 28) return undefined;
  // The codes copied once into a small array, so the digits below are read one way for texts and bytes alike.
  const codes = scratch;
  if (typeof text === 'string') for (let i = 0; i < length; i++) codes[i] = text.charCodeAt(start + i);
  else for (let i = 0; i < length; i++) codes[i] = text[start + i];
  if (codes[4] !== 45 || codes[7] !== 45 || codes[10] !== 84 || codes[13] !== 58 || codes[16] !== 58 || codes[length - 1] !== 90) return undefined;
  const year = digitsAt(codes, 0, 4);
  const month = digitsAt(codes, 5, 2);
  const day = digitsAt(codes, 8, 2);
  const hour = digitsAt(codes, 11, 2);
  const minute = digitsAt(codes, 14, 2);
  const second = digitsAt(codes, 17, 2);
  // Years 0-99 and days past the month's end (31 February) are left to Date.parse, as they always were.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  let ms = 0;
  let exact = false;
  if (length > 20) {
    if (codes[19] !== 46) return undefined;
    const fraction = length - 21;
    if (fraction < 1 || fraction > 7) return undefined;
    const value = digitsAt(codes, 20, fraction);
    if (value < 0) return undefined;
    const ticks = value * 10 ** (7 - fraction);
    ms = Math.floor(ticks / 10_000);
    // Digits past the millisecond are 100 ns ticks a double date cannot hold: keep the text for the tooltip.
    exact = ticks % 10_000 !== 0;
  }
  return { value: daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms, exact };
}

const scratch = new Uint16Array(28);

function digitsAt(codes: Uint16Array, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = codes[i] - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil), as Date.UTC counts them. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
}

/**
 * Kusto's own datetime text, "yyyy-MM-ddTHH:mm:ss[.fffffff]Z", read without Date.parse (a chart reads one per
 * point); undefined for any other spelling, which then goes through Date.parse.
 */
function kustoDatetimeMs(text: string): ChartNumber | undefined {
  const read = canonicalDatetime(text, 0, text.length);
  if (!read) return undefined;
  return read.exact ? { value: read.value, exact: text } : { value: read.value };
}

/**
 * A datetime cell's text in buffer[start, end) (between its quotes) as chart numbers read it, without making a
 * string of it; undefined when it is not Kusto's canonical spelling (the caller then reads the text).
 */
export function kustoDatetimeBytes(buffer: Uint8Array, start: number, end: number): ChartNumber | undefined {
  const read = canonicalDatetime(buffer, start, end - start);
  if (!read) return undefined;
  return read.exact ? { value: read.value, exact: Buffer.from(buffer.buffer, buffer.byteOffset + start, end - start).toString('latin1') } : { value: read.value };
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
