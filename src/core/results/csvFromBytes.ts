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
import { csvField, csvLine, endWriting, neutralizeFormula, type ExportOptions } from './resultExport';
import type { ResultView } from './resultView';
import { SliceClock } from './slicedWork';


/** Output is gathered in buffers of this size and written as each fills. */
const OUT_BYTES = 1 << 20;
/** A dynamic cell's string this long may be a JSON text too deep to show (formatKustoValue checks): not copied. */
const LONG_DYNAMIC_STRING = 2000;

/** First characters a spreadsheet runs as a formula (see neutralizeFormula); with them a cell takes the slow road. */
const FORMULA_FIRST = new Uint8Array(256);
for (const character of '=+-@') FORMULA_FIRST[character.charCodeAt(0)] = 1;

/** Bytes that end a plain string's run: its closing quote, an escape, a comma (the field is then quoted). */
const STRING_STOP = new Uint8Array(256);
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;
STRING_STOP[COMMA] = 1;

class OutputBuffer {
  /** Filled in place up to `used` by the row writer, after ensure() made room. */
  buffer = Buffer.allocUnsafe(OUT_BYTES);
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

  /**
   * One row (a validated JSON array in buffer[start, end)) as a CSV line. Room for the whole line is made first (a
   * cell copied as it is never grows by more than its quotes), so plain strings are copied as they are scanned.
   */
  writeRow(buffer: Buffer, start: number, end: number): void {
    const output = this.output;
    const columnCount = this.columns.length;
    const room = 2 * (end - start) + 3 * columnCount + 4;
    output.ensure(room);
    let position = skipWhitespace(buffer, start + 1, end);
    for (let column = 0; column < columnCount; column++) {
      if (column > 0) output.buffer[output.used++] = COMMA;
      if (position >= end || buffer[position] === CLOSE_BRACKET) continue; // a short row: empty fields
      let valueEnd: number;
      if (buffer[position] === QUOTE) {
        valueEnd = this.copyString(buffer, position, column);
        if (valueEnd < 0) {
          // Escapes, or a string that is not its own CSV text: parsed and written as the plain export writes it.
          valueEnd = skipValue(buffer, position, end);
          this.writeSlow(column, JSON.parse(buffer.toString('utf8', position, valueEnd)) as string);
          output.ensure(room);
        }
      } else {
        valueEnd = this.writeCell(buffer, position, end, column);
        if (valueEnd < 0) {
          valueEnd = skipValue(buffer, position, end);
          this.writeSlowCell(buffer, position, valueEnd, column);
          output.ensure(room);
        }
      }
      position = skipWhitespace(buffer, valueEnd, end);
      if (buffer[position] === COMMA) position = skipWhitespace(buffer, position + 1, end);
    }
    output.buffer[output.used++] = 0x0d;
    output.buffer[output.used++] = 0x0a;
  }

  /**
   * Copies the JSON string that opens at `quote` into the output as its CSV field while finding its end; returns
   * the position past its closing quote, or -1 (nothing written) when it needs the slow road: an escape, a
   * formula-like start, non-ASCII at an edge, a long dynamic string.
   */
  private copyString(buffer: Buffer, quote: number, column: number): number {
    const output = this.output;
    const target = output.buffer;
    const cellStart = output.used;
    let used = cellStart;
    let index = quote + 1;
    const first = buffer[index];
    if (first >= 0x80 || (!this.rawFormulas && FORMULA_FIRST[first] === 1)) return -1;
    let comma = false;
    for (;;) {
      const byte = buffer[index];
      if (STRING_STOP[byte] === 1) {
        if (byte !== COMMA) break;
        comma = true;
      }
      target[used++] = byte;
      index++;
    }
    if (buffer[index] !== QUOTE) return -1; // an escape (or bytes that are not a JSON string)
    const length = used - cellStart;
    let quoted = comma;
    if (length > 0) {
      const last = target[used - 1];
      if (last >= 0x80) return -1;
      if (this.isDynamicType[column] && length > LONG_DYNAMIC_STRING) return -1;
      quoted ||= first === SPACE || last === SPACE;
    }
    if (quoted) {
      target.copyWithin(cellStart + 1, cellStart, used);
      target[cellStart] = QUOTE;
      used++;
      target[used++] = QUOTE;
    }
    output.used = used;
    return index + 1;
  }

  /**
   * Writes a cell that is not a string when it is its own CSV text (null, true/false, a number as String(Number(x))
   * spells it, a dynamic object or array as JSON.stringify would give it back) and returns where it ends; -1
   * (nothing written) when it takes the slow road.
   */
  private writeCell(buffer: Buffer, start: number, rowEnd: number, column: number): number {
    const first = buffer[start];
    if (first === LOWER_N) return start + 4; // null: an empty field
    if (first === LOWER_T || first === LOWER_F) {
      const end = start + (first === LOWER_T ? 4 : 5);
      this.output.copy(buffer, start, end);
      return end;
    }
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      if (!this.isDynamicType[column]) return -1;
      return copyCanonicalJson(buffer, start, rowEnd, this.output);
    }
    let end = start + 1;
    while (end < rowEnd) {
      const byte = buffer[end];
      if (byte === COMMA || byte === CLOSE_BRACKET || byte <= SPACE) break;
      end++;
    }
    if (this.isTimespan[column] || !isCanonicalNumber(buffer, start, end)) return -1;
    this.output.copy(buffer, start, end);
    return end;
  }

  /** A cell that is not a string, on the slow road: parsed and written as the plain export writes it. */
  private writeSlowCell(buffer: Buffer, start: number, end: number, column: number): void {
    const first = buffer[start];
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      this.writeSlow(column, this.containerValue(buffer, start, end, column));
      return;
    }
    const literal = buffer.toString('latin1', start, end);
    const value = Number(literal);
    // An integer a double cannot hold keeps its digits, as a parsed row does.
    if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(value)) {
      this.writeSlow(column, literal);
      return;
    }
    // Most numbers that failed the quick check (16 or 17 digits) are still spelled as String(Number(x)) spells them.
    if (!this.isTimespan[column] && String(value) === literal && (this.rawFormulas || neutralizeFormula(literal) === literal)) {
      this.output.copy(buffer, start, end);
      return;
    }
    this.writeSlow(column, value);
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
  return copyCanonicalJson(buffer, start, end, { buffer: new Uint8Array(2 * (end - start) + 2), used: 0 }) === end;
}

/**
 * Writes the object or array that opens at `start` (and closes within `end`) to the output as its CSV field when it
 * is canonical (see isCanonicalJson): quoted, its quotes doubled, when it holds a quote or a comma. Checked and
 * copied in one pass; returns the position past it, or -1 (nothing written) when it is not canonical. The caller
 * made room for twice its length and two quotes.
 */
function copyCanonicalJson(buffer: Uint8Array, start: number, end: number, output: { readonly buffer: Uint8Array; used: number }): number {
  const target = output.buffer;
  const cellStart = output.used;
  // An opening quote, in case the field needs one (taken back at the end when it does not).
  let used = cellStart + 1;
  target[cellStart] = QUOTE;
  let quoted = false;
  // Keys of the open objects: their [start, end) pairs, and where each object's keys begin in that list.
  const keys: number[] = [];
  const objectKeyStart: number[] = [];
  const containers: number[] = [];
  let expectKey = false;
  for (let index = start; index < end; index++) {
    const byte = buffer[index];
    target[used++] = byte;
    if (byte === QUOTE) {
      quoted = true;
      target[used++] = QUOTE;
      const contentStart = index + 1;
      for (index++; index < end; index++) {
        const inner = buffer[index];
        if (inner === QUOTE) break;
        if (inner === BACKSLASH) return -1;
        target[used++] = inner;
      }
      target[used++] = QUOTE;
      target[used++] = QUOTE;
      if (expectKey) {
        const first = buffer[contentStart];
        if (first >= ZERO && first <= NINE) return -1;
        const from = objectKeyStart[objectKeyStart.length - 1];
        for (let key = from; key < keys.length; key += 2) {
          if (sameBytes(buffer, keys[key], keys[key + 1], contentStart, index)) return -1;
        }
        keys.push(contentStart, index);
        expectKey = false;
      }
    } else if (byte === COMMA) {
      quoted = true;
      expectKey = containers[containers.length - 1] === OPEN_BRACE;
    } else if (byte === OPEN_BRACE) {
      if (containers.push(byte) > MAX_CANONICAL_DEPTH) return -1;
      objectKeyStart.push(keys.length);
      expectKey = true;
    } else if (byte === OPEN_BRACKET) {
      if (containers.push(byte) > MAX_CANONICAL_DEPTH) return -1;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      containers.pop();
      if (byte === CLOSE_BRACE) keys.length = objectKeyStart.pop()!;
      if (containers.length === 0) {
        if (quoted) {
          target[used++] = QUOTE;
        } else {
          target.copyWithin(cellStart, cellStart + 1, used);
          used--;
        }
        output.used = used;
        return index + 1;
      }
    } else if (byte === MINUS || (byte >= ZERO && byte <= NINE)) {
      let tokenEnd = index + 1;
      while (tokenEnd < end) {
        const inner = buffer[tokenEnd];
        if (inner === COMMA || inner === CLOSE_BRACKET || inner === CLOSE_BRACE || inner <= SPACE) break;
        target[used++] = inner;
        tokenEnd++;
      }
      if (!isCanonicalNumber(buffer, index, tokenEnd)) return -1;
      index = tokenEnd - 1;
    } else if (byte <= SPACE) {
      return -1;
    }
  }
  return -1; // not closed within `end`
}

function sameBytes(buffer: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let offset = 0; offset < aEnd - aStart; offset++) {
    if (buffer[aStart + offset] !== buffer[bStart + offset]) return false;
  }
  return true;
}

