// Kusto scalar types, their in-memory representation in the local server, and their JSON encodings
// exactly as a real cluster writes them (v2 frames and v1 tables differ for `dynamic`).

export type ScalarType =
  | 'bool'
  | 'int'
  | 'long'
  | 'real'
  | 'decimal'
  | 'string'
  | 'datetime'
  | 'timespan'
  | 'guid'
  | 'dynamic';

/**
 * In-memory values: bool → boolean; int, real → number; long → bigint (so 9007199254740993 stays exact);
 * datetime → bigint ticks (100 ns) since 0001-01-01; timespan → bigint ticks; decimal → DecimalValue;
 * string, guid → string; dynamic → any JSON value. null is null for every type.
 */
export type CellValue = null | boolean | number | bigint | string | DecimalValue | object;

/**
 * A dynamic value kept as its JSON text, so the server sends it exactly as written (9007199254740993, a decimal
 * with more digits than a double holds, -0, nesting too deep for JSON.stringify), as a real cluster does.
 */
export class RawJsonValue {
  constructor(readonly json: string) {}
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

const JSON_TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** The value of a `dynamic(...)` literal: parsed, or kept as its text when parsing would change what it says. */
export function dynamicLiteral(text: string): CellValue {
  const parsed = JSON.parse(text) as CellValue;
  for (const [token] of text.matchAll(JSON_TOKENS)) {
    if (token.startsWith('"')) continue;
    const value = Number(token);
    if (Object.is(value, -0) || String(value) !== token) return new RawJsonValue(text);
  }
  try {
    JSON.stringify(parsed);
  } catch {
    return new RawJsonValue(text);
  }
  return parsed;
}
export type Row = CellValue[];

export class DecimalValue {
  constructor(readonly text: string) {}
  toNumber(): number {
    return Number(this.text);
  }
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: ScalarType;
  readonly docString?: string;
}

/** Type names in `.show ... schema as json` ("Type"), as Kusto reports them (bool is stored as SByte). */
export const CLR_TYPE_NAMES: Readonly<Record<ScalarType, string>> = {
  bool: 'System.SByte',
  int: 'System.Int32',
  long: 'System.Int64',
  real: 'System.Double',
  decimal: 'System.Data.SqlTypes.SqlDecimal',
  string: 'System.String',
  datetime: 'System.DateTime',
  timespan: 'System.TimeSpan',
  guid: 'System.Guid',
  dynamic: 'System.Object',
};

/** v1 response column `DataType` (the approximate .NET type). */
export const V1_DATA_TYPE_NAMES: Readonly<Record<ScalarType, string>> = {
  bool: 'Boolean',
  int: 'Int32',
  long: 'Int64',
  real: 'Double',
  decimal: 'Decimal',
  string: 'String',
  datetime: 'DateTime',
  timespan: 'TimeSpan',
  guid: 'Guid',
  dynamic: 'Object',
};

export const TICKS_PER_MILLISECOND = 10_000n;
export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
export const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
export const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;
/** Ticks from 0001-01-01 to 1970-01-01, as in .NET. */
export const UNIX_EPOCH_TICKS = 621355968000000000n;
export const MAX_DATETIME_TICKS = 3155378975999999999n;
export const MAX_TIMESPAN_TICKS = 9223372036854775807n;
export const MIN_TIMESPAN_TICKS = -9223372036854775808n;

export function datetimeFromIso(iso: string): bigint {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?Z?$/.exec(iso.trim());
  if (!match) {
    throw new RangeError(`not a datetime: ${iso}`);
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = ''] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const ms = date.getTime();
  if (Number.isNaN(ms)) {
    throw new RangeError(`not a datetime: ${iso}`);
  }
  const extraTicks = BigInt((fraction + '0000000').slice(0, 7));
  return BigInt(ms) * TICKS_PER_MILLISECOND + UNIX_EPOCH_TICKS + extraTicks;
}

export function datetimeFromUnixMs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * TICKS_PER_MILLISECOND + UNIX_EPOCH_TICKS;
}

/** Kusto writes datetimes as ISO 8601 UTC with up to 7 fractional digits, trailing zeros dropped. */
export function formatDatetime(ticks: bigint): string {
  const sinceEpoch = ticks - UNIX_EPOCH_TICKS;
  if (sinceEpoch % TICKS_PER_SECOND === 0n) {
    // Whole seconds (most data): one conversion, no fraction to render.
    return new Date(Number(sinceEpoch / TICKS_PER_MILLISECOND)).toISOString().slice(0, 19) + 'Z';
  }
  let ms = sinceEpoch / TICKS_PER_MILLISECOND;
  let subMillisecond = sinceEpoch % TICKS_PER_MILLISECOND;
  if (subMillisecond < 0n) {
    subMillisecond += TICKS_PER_MILLISECOND;
    ms -= 1n;
  }
  // toISOString is fast and exact for years 0001-9999, the whole datetime range.
  const iso = new Date(Number(ms)).toISOString();
  const seconds = iso.slice(0, 19);
  const fraction = (iso.slice(20, 23) + subMillisecond.toString().padStart(4, '0')).replace(/0+$/, '');
  return fraction ? `${seconds}.${fraction}Z` : `${seconds}Z`;
}

/** .NET TimeSpan "c" format: [-][d.]hh:mm:ss[.fffffff] — the fraction, when present, always has 7 digits. */
export function formatTimespan(ticks: bigint): string {
  const negative = ticks < 0n;
  // Work on the magnitude digit by digit so MIN_TIMESPAN_TICKS does not overflow anything.
  const magnitude = negative ? -ticks : ticks;
  const days = magnitude / TICKS_PER_DAY;
  let rest = magnitude % TICKS_PER_DAY;
  const hours = rest / TICKS_PER_HOUR;
  rest %= TICKS_PER_HOUR;
  const minutes = rest / TICKS_PER_MINUTE;
  rest %= TICKS_PER_MINUTE;
  const seconds = rest / TICKS_PER_SECOND;
  const fraction = rest % TICKS_PER_SECOND;
  const pad = (n: bigint) => n.toString().padStart(2, '0');
  let text = `${negative ? '-' : ''}${days > 0n ? `${days}.` : ''}${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  if (fraction !== 0n) {
    text += '.' + fraction.toString().padStart(7, '0');
  }
  return text;
}

/** Parses "[-][d.]hh:mm:ss[.fffffff]". */
export function timespanFromText(text: string): bigint {
  const match = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) {
    throw new RangeError(`not a timespan: ${text}`);
  }
  const [, sign, d = '0', h, m, s, fraction = ''] = match;
  const ticks =
    BigInt(d) * TICKS_PER_DAY +
    BigInt(h) * TICKS_PER_HOUR +
    BigInt(m) * TICKS_PER_MINUTE +
    BigInt(s) * TICKS_PER_SECOND +
    BigInt((fraction + '0000000').slice(0, 7));
  return sign ? -ticks : ticks;
}

/** Newtonsoft-style double: integral values keep a ".0"; NaN and infinities are JSON strings. */
export function formatReal(value: number): string {
  if (Number.isNaN(value)) {
    return '"NaN"';
  }
  if (value === Infinity) {
    return '"Infinity"';
  }
  if (value === -Infinity) {
    return '"-Infinity"';
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return `${value}.0`;
  }
  return String(value).replace('e', 'E');
}

/** JSON text of one cell in a v2 frame. Kusto strings are never null: a null string is "". */
export function encodeV2Cell(type: ScalarType, value: CellValue): string {
  if (value === null || value === undefined) {
    return type === 'string' ? '""' : 'null';
  }
  switch (type) {
    case 'bool':
      return value ? 'true' : 'false';
    case 'int':
      return String(value);
    case 'long':
      return typeof value === 'bigint' ? value.toString() : String(Math.trunc(Number(value)));
    case 'real':
      return formatReal(Number(value));
    case 'decimal':
      return JSON.stringify(value instanceof DecimalValue ? value.text : String(value));
    case 'datetime':
      return JSON.stringify(formatDatetime(value as bigint));
    case 'timespan':
      return JSON.stringify(formatTimespan(value as bigint));
    case 'guid':
    case 'string':
      return JSON.stringify(String(value));
    case 'dynamic':
      return value instanceof RawJsonValue ? value.json : JSON.stringify(value);
  }
}

/** JSON text of one cell in a v1 table: like v2, except dynamic values travel as JSON text in a string. */
export function encodeV1Cell(type: ScalarType, value: CellValue): string {
  if (type === 'dynamic') {
    return value === null || value === undefined ? '""' : JSON.stringify(value instanceof RawJsonValue ? value.json : JSON.stringify(value));
  }
  return encodeV2Cell(type, value);
}

export function encodeRow(columnTypes: readonly ScalarType[], row: Row, encodeCell: typeof encodeV2Cell): string {
  let text = '[';
  for (let i = 0; i < columnTypes.length; i++) {
    if (i > 0) {
      text += ',';
    }
    text += encodeCell(columnTypes[i], row[i]);
  }
  return text + ']';
}
