// Cells stay as the server sent them (see resultTypes.ts). These helpers turn a cell into what a consumer needs:
// a value that sorts correctly (decodeValue) or the text a user reads (formatKustoValue), per column type.

import { isTooDeepJsonText, TOO_DEEP_TEXT } from './exactDynamic';
import type { KustoScalarType, KustoValue } from './resultTypes';
import { timespanText } from '../../shared/chartSpec';

const columnTypeAliases: Readonly<Record<string, KustoScalarType>> = {
  bool: 'bool',
  boolean: 'bool',
  sbyte: 'bool',
  datetime: 'datetime',
  date: 'datetime',
  dynamic: 'dynamic',
  object: 'dynamic',
  guid: 'guid',
  uuid: 'guid',
  uniqueid: 'guid',
  int: 'int',
  int32: 'int',
  long: 'long',
  int64: 'long',
  real: 'real',
  double: 'real',
  single: 'real',
  float: 'real',
  string: 'string',
  timespan: 'timespan',
  time: 'timespan',
  decimal: 'decimal',
  sqldecimal: 'decimal',
};

/**
 * Maps a v2 `ColumnType` or a v1 `ColumnType`/`DataType` (.NET names such as `Int64`, `System.DateTime`) to a
 * Kusto scalar type. Unknown names become 'string' so the value is still shown as sent.
 */
export function normalizeColumnType(columnType: unknown, dataType?: unknown): KustoScalarType {
  for (const candidate of [columnType, dataType]) {
    if (typeof candidate === 'string' && candidate) {
      const name = candidate.trim().toLowerCase().replace(/^system\./, '');
      const known = columnTypeAliases[name];
      if (known) {
        return known;
      }
    }
  }
  return 'string';
}

const timespanPattern = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds of a Kusto timespan text (`[-][d.]hh:mm:ss[.fffffff]`), or undefined when it is not one. */
export function parseTimespanMs(text: string): number | undefined {
  const match = timespanPattern.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const [, sign, days, hours, minutes, seconds, fraction] = match;
  const wholeSeconds = ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
  const fractionMs = fraction ? (Number(fraction) * 1000) / 10 ** fraction.length : 0;
  const total = wholeSeconds * 1000 + fractionMs;
  return sign ? -total : total;
}

/** Kusto's timespan text `[-][d.]hh:mm:ss[.fffffff]` of milliseconds (one implementation, shared with the page). */
export const formatTimespanMs = timespanText;

/** Kusto sends NaN and infinities of a real as strings. */
function toNumber(raw: string): number {
  switch (raw) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
    case '+Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return Number(raw);
  }
}

export type DecodedValue = null | boolean | number | bigint | string | Date | object;

/**
 * A cell as a value that compares and sorts as the type means: datetime → Date, timespan → milliseconds,
 * long beyond 2^53 (sent as digits) → bigint, real "NaN"/"Infinity" → number, decimal → number,
 * dynamic text holding JSON → the parsed object. Values that do not fit their type are returned as sent.
 */
export function decodeValue(type: KustoScalarType, raw: KustoValue | undefined): DecodedValue {
  if (raw === null || raw === undefined) {
    return null;
  }
  switch (type) {
    case 'datetime': {
      if (typeof raw !== 'string') {
        return raw;
      }
      const date = new Date(raw);
      return Number.isNaN(date.getTime()) ? raw : date;
    }
    case 'timespan':
      if (typeof raw === 'string') {
        return parseTimespanMs(raw) ?? raw;
      }
      return raw;
    case 'long':
    case 'int':
      if (typeof raw === 'string' && /^-?\d+$/.test(raw)) {
        const value = Number(raw);
        return Number.isSafeInteger(value) ? value : BigInt(raw);
      }
      return raw;
    case 'real':
    case 'decimal':
      if (typeof raw === 'string') {
        const value = toNumber(raw);
        return Number.isNaN(value) && raw !== 'NaN' ? raw : value;
      }
      return raw;
    case 'bool':
      return typeof raw === 'number' ? raw !== 0 : typeof raw === 'string' ? raw.toLowerCase() === 'true' : raw;
    case 'dynamic':
      if (typeof raw === 'string') {
        const trimmed = raw.trim();
        if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
          try {
            return JSON.parse(trimmed) as object;
          } catch {
            return raw;
          }
        }
      }
      return raw;
    default:
      return raw;
  }
}

/**
 * The display text of a cell: datetime and timespan exactly as the server wrote them (all 7 fractional
 * digits kept), dynamic as compact JSON, longs with all their digits. Null stays null: the UI decides how an
 * empty cell looks. Also accepts values from decodeValue (Date, bigint, milliseconds for timespan).
 */
export function formatKustoValue(type: KustoScalarType, value: KustoValue | DecodedValue | undefined): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (typeof value === 'string') {
    // A dynamic value kept as its JSON text (exactDynamic.ts) may be too deep to show.
    return type === 'dynamic' && isTooDeepJsonText(value) ? TOO_DEEP_TEXT : value;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (typeof value === 'number') {
    if (type === 'timespan') {
      return formatTimespanMs(value);
    }
    return String(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  try {
    return JSON.stringify(value);
  } catch (error) {
    // One value nested too deeply for the stack must not fail the whole page it is on.
    if (error instanceof RangeError) {
      return TOO_DEEP_TEXT;
    }
    throw error;
  }
}
