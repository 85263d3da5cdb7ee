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

// One reading of Kusto's datetime and timespan texts for every consumer (sort keys, filters, charts, statistics):
// whole units plus the 100 ns ticks a double cannot hold, so nothing downstream parses these spellings again.

/** A datetime: whole milliseconds since the Unix epoch and the 100 ns ticks past them (0-9,999). */
export interface KustoDatetime {
  readonly ms: number;
  readonly subMsTicks: number;
}

/** A timespan: whole seconds and the 100 ns ticks past them (both carry the sign). */
export interface KustoTimespan {
  readonly seconds: number;
  readonly ticks: number;
}

const CHAR_0 = 48;
const ISO_DATE_PREFIX = /^-?\d{4}-\d\d-\d\d/;
const DATETIME_PATTERN = /^(-?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7})\d*)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const TIMESPAN_PATTERN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7})\d*)?$/;

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - CHAR_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil); rolls over as Date.parse does. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The layout Kusto sends, "yyyy-MM-ddTHH:mm:ss[.f…]Z", without a regex or Date: a million parse in milliseconds. */
function parseCanonicalDatetime(text: string): KustoDatetime | undefined {
  const length = text.length;
  if (length < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(length - 1) !== 90) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  let fractionTicks = 0;
  if (length > 20) {
    const digits = length - 21;
    if (text.charCodeAt(19) !== 46 || digits < 1 || digits > 7) return undefined;
    const fraction = digitsAt(text, 20, digits);
    if (fraction < 0) return undefined;
    fractionTicks = fraction * 10 ** (7 - digits);
  } else if (length !== 20) {
    return undefined;
  }
  const ms = (((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second) * 1000 + Math.floor(fractionTicks / 10_000);
  return { ms, subMsTicks: fractionTicks % 10_000 };
}

/**
 * A Kusto datetime text ("2007-01-01T00:00:00.1234567Z"; also other ISO 8601 spellings, with a zone or a space);
 * undefined for anything else, including text only Date.parse would take ("May 5").
 */
export function parseDatetime(text: string): KustoDatetime | undefined {
  const fast = parseCanonicalDatetime(text);
  if (fast !== undefined) {
    return fast;
  }
  const trimmed = text.trim();
  const m = DATETIME_PATTERN.exec(trimmed);
  if (!m) {
    if (!ISO_DATE_PREFIX.test(trimmed)) return undefined;
    const ms = Date.parse(trimmed);
    return Number.isNaN(ms) ? undefined : { ms, subMsTicks: 0 };
  }
  const fraction = (m[7] ?? '').padEnd(7, '0');
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  date.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(fraction.slice(0, 3)));
  let ms = date.getTime();
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : { ms, subMsTicks: Number(fraction.slice(3)) };
}

/** A Kusto timespan text, "[-][d.]hh:mm:ss[.fffffff]"; undefined when it is not one. */
export function parseTimespan(text: string): KustoTimespan | undefined {
  const m = TIMESPAN_PATTERN.exec(text.trim());
  if (!m) {
    return undefined;
  }
  const sign = m[1] ? -1 : 1;
  const seconds = Number(m[2] ?? 0) * 86_400 + Number(m[3]) * 3_600 + Number(m[4]) * 60 + Number(m[5]);
  const ticks = Number((m[6] ?? '').padEnd(7, '0'));
  return { seconds: sign * seconds, ticks: sign * ticks };
}

/** Milliseconds of a Kusto timespan text (`[-][d.]hh:mm:ss[.fffffff]`), or undefined when it is not one. */
export function parseTimespanMs(text: string): number | undefined {
  const timespan = parseTimespan(text);
  return timespan === undefined ? undefined : timespan.seconds * 1000 + timespan.ticks / 10_000;
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
      const datetime = parseDatetime(raw);
      return datetime === undefined ? raw : new Date(datetime.ms);
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
