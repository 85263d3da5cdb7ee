// CSV export written from the rows' bytes as the server sent them. Most cells need no change on their way from
// JSON to CSV: a string without escapes is its own text, a short integer is its own digits, true/false/null are
// fixed. Those are copied byte for byte into the output; every other cell (escapes, non-ASCII at an edge, a
// formula-like start, numbers a double would respell, objects and arrays) takes the same road as the plain export
// (parse, formatKustoValue, csvField), so both write the same file. No string per cell, no await per row.

import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { needsExactText } from '../kusto/exactDynamic';
import type { RawRowBytes } from '../kusto/kustoRows';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  LOWER_F,
  LOWER_N,
  LOWER_T,
  MINUS,
  NINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SPACE,
  ZERO,
  skipValue,
  skipWhitespace,
} from '../kusto/jsonBytes';
import { holdsUnsafeInteger, quoteUnsafeIntegers } from '../kusto/unsafeIntegers';
import type { KustoColumn, KustoValue } from '../kusto/resultTypes';
import { formatKustoValue } from '../kusto/valueDecoding';
import { csvField, csvLine, endWriting, type ExportOptions } from './resultExport';
import type { ResultView } from './resultView';
import { SliceClock } from './slicedWork';


/** Output is gathered in buffers of this size and written as each fills. */
const OUT_BYTES = 1 << 20;
/** A dynamic cell's string this long may be a JSON text too deep to show (formatKustoValue checks): not copied. */
const LONG_DYNAMIC_STRING = 2000;

/** First characters a spreadsheet runs as a formula (see neutralizeFormula); with them a cell takes the slow road. */
const FORMULA_FIRST = new Uint8Array(256);
for (const character of '=+-@') FORMULA_FIRST[character.charCodeAt(0)] = 1;

class OutputBuffer {
  private buffer = Buffer.allocUnsafe(OUT_BYTES);
  used = 0;

  constructor(private readonly out: Writable) {}

  ensure(bytes: number): void {
    if (this.used + bytes > this.buffer.length) {
      this.handOver();
      if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
    }
  }

  copy(source: Buffer, start: number, end: number): void {
    const count = end - start;
    this.ensure(count);
    if (count > 48) {
      source.copy(this.buffer, this.used, start, end);
    } else {
      // Short runs (most cells): a loop costs less than a native call.
      const target = this.buffer;
      let used = this.used;
      for (let index = start; index < end; index++) target[used++] = source[index];
    }
    this.used += count;
  }

  /** source[start, end) (JSON text without white space) as a CSV field: quoted, quotes doubled, when it holds a quote or comma. */
  quotedCopy(source: Buffer, start: number, end: number): void {
    let needsQuotes = false;
    for (let index = start; index < end && !needsQuotes; index++) needsQuotes = source[index] === QUOTE || source[index] === COMMA;
    if (!needsQuotes) {
      this.copy(source, start, end);
      return;
    }
    this.ensure(2 * (end - start) + 2);
    const target = this.buffer;
    let used = this.used;
    target[used++] = QUOTE;
    for (let index = start; index < end; index++) {
      const byte = source[index];
      target[used++] = byte;
      if (byte === QUOTE) target[used++] = QUOTE;
    }
    target[used++] = QUOTE;
    this.used = used;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.used++] = value;
  }

  text(text: string): void {
    this.ensure(text.length * 3);
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Gives the filled part to the stream; true when the stream asks to wait for 'drain'. */
  private pendingDrain = false;
  handOver(): void {
    if (this.used === 0) return;
    const filled = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(OUT_BYTES);
    this.used = 0;
    if (!this.out.write(filled)) this.pendingDrain = true;
  }

  async drained(): Promise<void> {
    if (!this.pendingDrain) return;
    this.pendingDrain = false;
    await once(this.out, 'drain');
  }

  get bufferedBytes(): number {
    return this.used;
  }
}

/** Writes the whole view as CSV from its rows' bytes; the same file writeCsv writes from parsed rows. */
export async function writeCsvFromBytes(view: ResultView, raw: RawRowBytes, out: Writable, options: ExportOptions = {}): Promise<number> {
  const columns = view.columns;
  const total = view.rowCount;
  const rawFormulas = options.rawFormulas === true;
  const clock = new SliceClock(options.signal, undefined, 'The export');
  const output = new OutputBuffer(out);
  const cells = new CellWriter(columns, raw.dynamicColumnIndexes, rawFormulas, output);
  try {
    output.text(csvLine(columns.map((c) => c.name), rawFormulas));
    for (let position = 0; position < total; position++) {
      const { buffer, start, end } = raw.rowBytes(view.sourceRowIndex(position));
      cells.writeRow(Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength), start, end);
      if ((position & 0xff) === 0xff) {
        if (output.bufferedBytes > OUT_BYTES - (OUT_BYTES >> 3)) output.handOver();
        await output.drained();
        if (clock.due) {
          options.onProgress?.({ rowsWritten: position + 1, totalRows: total });
          await clock.pause();
        }
      }
    }
    output.handOver();
    await output.drained();
    await endWriting(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
  options.onProgress?.({ rowsWritten: total, totalRows: total });
  return total;
}

class CellWriter {
  /** Columns whose objects and arrays keep the server's text when parsing would change it (as the rows read them). */
  private readonly keepsExactText: boolean[];
  private readonly isDynamicType: boolean[];
  private readonly isTimespan: boolean[];

  constructor(
    private readonly columns: readonly KustoColumn[],
    dynamicColumns: readonly number[],
    private readonly rawFormulas: boolean,
    private readonly output: OutputBuffer,
  ) {
    this.keepsExactText = columns.map((_, index) => dynamicColumns.includes(index));
    this.isDynamicType = columns.map((column) => column.type === 'dynamic');
    this.isTimespan = columns.map((column) => column.type === 'timespan');
  }

  /** One row (a validated JSON array in buffer[start, end)) as a CSV line. */
  writeRow(buffer: Buffer, start: number, end: number): void {
    const output = this.output;
    const columnCount = this.columns.length;
    let position = skipWhitespace(buffer, start + 1, end);
    for (let column = 0; column < columnCount; column++) {
      if (column > 0) output.byte(COMMA);
      if (position >= end || buffer[position] === CLOSE_BRACKET) continue; // a short row: empty fields
      let valueEnd: number;
      if (buffer[position] === QUOTE) {
        // Strings are most of the bytes: one pass finds the end and whether it holds an escape or a comma.
        let index = position + 1;
        let escaped = false;
        let comma = false;
        for (; index < end; index++) {
          const byte = buffer[index];
          if (byte === QUOTE) break;
          if (byte === BACKSLASH) {
            escaped = true;
            index++;
          } else if (byte === COMMA) {
            comma = true;
          }
        }
        valueEnd = index + 1;
        if (escaped || !this.copyPlainString(buffer, position + 1, index, column, comma)) {
          this.writeSlow(column, JSON.parse(buffer.toString('utf8', position, valueEnd)) as string);
        }
      } else {
        valueEnd = skipValue(buffer, position, end);
        this.writeCell(buffer, position, valueEnd, column);
      }
      position = skipWhitespace(buffer, valueEnd, end);
      if (buffer[position] === COMMA) position = skipWhitespace(buffer, position + 1, end);
    }
    output.byte(0x0d);
    output.byte(0x0a);
  }

  private writeCell(buffer: Buffer, start: number, end: number, column: number): void {
    const first = buffer[start];
    if (first === LOWER_N) return; // null: an empty field
    if (first === LOWER_T || first === LOWER_F) {
      this.output.copy(buffer, start, end);
      return;
    }
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      if (this.isDynamicType[column] && isCanonicalJson(buffer, start, end)) {
        // JSON.stringify(JSON.parse(text)) would give back the text itself: quote it as CSV straight away.
        this.output.quotedCopy(buffer, start, end);
        return;
      }
      this.writeSlow(column, this.containerValue(buffer, start, end, column));
      return;
    }
    // A number: written as sent when that is what String(Number(x)) gives back; others respelled.
    if (!this.isTimespan[column] && isCanonicalNumber(buffer, start, end)) {
      this.output.copy(buffer, start, end);
      return;
    }
    const literal = buffer.toString('latin1', start, end);
    // An integer a double cannot hold keeps its digits, as a parsed row does.
    const value = /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal)) ? literal : Number(literal);
    this.writeSlow(column, value);
  }

  /**
   * Copies a JSON string's content [start, end), known to hold no escape, when it is its own CSV text; false when
   * it needs the slow road (a formula-like start, non-ASCII at an edge, a long dynamic string).
   */
  private copyPlainString(buffer: Buffer, start: number, end: number, column: number, comma: boolean): boolean {
    let quote = comma;
    if (end > start) {
      const first = buffer[start];
      const last = buffer[end - 1];
      if (first >= 0x80 || last >= 0x80 || (!this.rawFormulas && FORMULA_FIRST[first] === 1)) return false;
      if (this.isDynamicType[column] && end - start > LONG_DYNAMIC_STRING) return false;
      quote ||= first === SPACE || last === SPACE;
    }
    const output = this.output;
    if (quote) output.byte(QUOTE);
    output.copy(buffer, start, end);
    if (quote) output.byte(QUOTE);
    return true;
  }

  /** An object or array cell as the plain export reads it: the server's text when parsing would change it. */
  private containerValue(buffer: Buffer, start: number, end: number, column: number): KustoValue {
    const text = buffer.toString('utf8', start, end);
    if (this.keepsExactText[column] && needsExactText(buffer, start, end)) return text;
    const value = JSON.parse(text) as KustoValue;
    // A long beyond 2^53 inside keeps its digits, as a parsed row does.
    return holdsUnsafeInteger(value) ? (JSON.parse(quoteUnsafeIntegers(text)) as KustoValue) : value;
  }

  private writeSlow(column: number, value: KustoValue): void {
    this.output.text(csvField(formatKustoValue(this.columns[column].type, value), this.rawFormulas));
  }
}

/**
 * Whether the number literal buffer[start, end) (valid JSON) is what String(Number(literal)) writes: an integer
 * of up to 15 digits (not -0), or a decimal without exponent with at most 15 significant digits, no trailing zero
 * and at most 5 zeros after "0." (smaller values print with an exponent). Up to 15 significant digits a double
 * gives its decimal back exactly, and no shorter spelling names the same double.
 */
export function isCanonicalNumber(buffer: Uint8Array, start: number, end: number): boolean {
  let index = start;
  if (buffer[index] === MINUS) index++;
  if (index >= end) return false;
  const integerStart = index;
  while (index < end && buffer[index] >= ZERO && buffer[index] <= NINE) index++;
  const integerDigits = index - integerStart;
  if (index === end) {
    // An integer: "-0" prints as "0".
    return integerDigits <= 15 && !(buffer[start] === MINUS && buffer[integerStart] === ZERO);
  }
  if (buffer[index] !== 0x2e) return false; // an exponent
  index++;
  const fractionStart = index;
  while (index < end && buffer[index] >= ZERO && buffer[index] <= NINE) index++;
  if (index !== end || index === fractionStart || buffer[end - 1] === ZERO) return false;
  let significant: number;
  if (integerDigits === 1 && buffer[integerStart] === ZERO) {
    let zeros = 0;
    while (buffer[fractionStart + zeros] === ZERO) zeros++;
    if (zeros > 5) return false;
    significant = end - fractionStart - zeros;
  } else {
    significant = integerDigits + (end - fractionStart);
  }
  return significant <= 15;
}

const MAX_CANONICAL_DEPTH = 64;

/**
 * Whether JSON.stringify(JSON.parse(text)) gives the object or array in buffer[start, end) back unchanged: no
 * white space, strings without escapes, numbers as String(Number(x)) writes them, no key that JSON.parse would
 * move (array-index keys go first) or merge (a duplicate), not deeply nested. Else the caller takes the slow road.
 */
export function isCanonicalJson(buffer: Uint8Array, start: number, end: number): boolean {
  // Keys of the open objects: their [start, end) pairs, and where each object's keys begin in that list.
  const keys: number[] = [];
  const objectKeyStart: number[] = [];
  const containers: number[] = [];
  let expectKey = false;
  for (let index = start; index < end; index++) {
    const byte = buffer[index];
    if (byte === QUOTE) {
      const contentStart = index + 1;
      for (index++; index < end && buffer[index] !== QUOTE; index++) {
        if (buffer[index] === BACKSLASH) return false;
      }
      if (expectKey) {
        const first = buffer[contentStart];
        if (first >= ZERO && first <= NINE) return false;
        const from = objectKeyStart[objectKeyStart.length - 1];
        for (let key = from; key < keys.length; key += 2) {
          if (sameBytes(buffer, keys[key], keys[key + 1], contentStart, index)) return false;
        }
        keys.push(contentStart, index);
        expectKey = false;
      }
    } else if (byte === OPEN_BRACE) {
      if (containers.push(byte) > MAX_CANONICAL_DEPTH) return false;
      objectKeyStart.push(keys.length);
      expectKey = true;
    } else if (byte === OPEN_BRACKET) {
      if (containers.push(byte) > MAX_CANONICAL_DEPTH) return false;
    } else if (byte === CLOSE_BRACE) {
      containers.pop();
      keys.length = objectKeyStart.pop()!;
    } else if (byte === CLOSE_BRACKET) {
      containers.pop();
    } else if (byte === COMMA) {
      expectKey = containers[containers.length - 1] === OPEN_BRACE;
    } else if (byte === MINUS || (byte >= ZERO && byte <= NINE)) {
      let tokenEnd = index + 1;
      while (tokenEnd < end) {
        const inner = buffer[tokenEnd];
        if (inner === COMMA || inner === CLOSE_BRACKET || inner === CLOSE_BRACE || inner <= 0x20) break;
        tokenEnd++;
      }
      if (!isCanonicalNumber(buffer, index, tokenEnd)) return false;
      index = tokenEnd - 1;
    } else if (byte <= 0x20) {
      return false;
    }
  }
  return true;
}

function sameBytes(buffer: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let offset = 0; offset < aEnd - aStart; offset++) {
    if (buffer[aStart + offset] !== buffer[bStart + offset]) return false;
  }
  return true;
}

