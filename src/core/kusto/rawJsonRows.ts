// Rows kept as the JSON text the server sent, parsed when read. Reading a response this way costs one pass over
// its bytes to find where each row ends (a few times faster than JSON.parse, and no object per cell); the
// memory is the bytes themselves (no JS string or array per value). A page of rows is then one JSON.parse of
// its bytes, a single row a parse of one row: what the grid, a sort or an export asks for. The scanner has
// checked the bytes are valid JSON while they streamed in, so a read does not fail on a well-formed response.

import { ByteLog } from './byteLog';
import { needsExactText } from './exactDynamic';
import { BACKSLASH, CLOSE_BRACKET, COMMA, LOWER_F, LOWER_N, LOWER_T, MINUS, NINE, OPEN_BRACE, OPEN_BRACKET, QUOTE, ZERO, skipValue, skipWhitespace } from './jsonBytes';
import { KustoResponseFormatError, syntaxReason } from './kustoErrors';
import { ITERATION_BLOCK_ROWS, outOfRange, type KustoRows, type RawRowBytes, type RowByteSearch } from './kustoRows';
import type { KustoRow, KustoValue } from './resultTypes';
import { holdsUnsafeInteger, isUnsafeIntegerLiteral, quoteUnsafeIntegers } from './unsafeIntegers';

/**
 * Rows of one "Rows" array as bytes. The scanner appends the array's bytes and marks each row's end; errors
 * the server wrote in place of a row are bytes between rows that are skipped when rows are read.
 */
export class RawJsonRows implements KustoRows, RowByteSearch {
  private readonly bytes: ByteLog;
  /**
   * Where each row ends (just past its closing bracket). A plain array: it grows inside the engine, where a
   * growable typed array would take a code path the scanner's optimized loop has not seen yet.
   */
  private readonly ends: number[] = [];
  /** Where each row starts is where the previous one ended, past the comma and whitespace between them. */
  private firstRowStart = -1;
  private hasNonRowElements = false;
  private mayHoldUnsafeIntegers = false;
  /** Columns of type dynamic: their objects and arrays are kept as sent when parsing would change them. */
  private dynamicColumns: readonly number[] = [];

  /**
   * @param where body offset of the Rows array's first byte, for error messages
   * @param slabBytes the largest piece of memory the bytes are kept in
   */
  constructor(
    readonly where: number,
    slabBytes: number,
  ) {
    this.bytes = new ByteLog(slabBytes);
  }

  get length(): number {
    return this.ends.length;
  }

  /** The log the scanner appends to; positions it reports are positions in this log. */
  get log(): ByteLog {
    return this.bytes;
  }

  /** A row ended at `end` (exclusive), having started at `start`. */
  addRow(start: number, end: number): void {
    if (this.firstRowStart < 0) {
      this.firstRowStart = start;
    }
    this.ends.push(end);
  }

  /** An element of the Rows array that is not a row (an error object): reading rows skips it. */
  addNonRowElement(): void {
    this.hasNonRowElements = true;
  }

  /** The rows hold an integer literal of 16 or more digits: reading them checks for longs beyond 2^53. */
  markUnsafeIntegers(): void {
    this.mayHoldUnsafeIntegers = true;
  }

  /** The indexes of the table's dynamic columns (known once the frame's Columns are read). */
  setDynamicColumns(columns: readonly number[]): void {
    this.dynamicColumns = columns;
  }

  /** Called once the Rows array is complete: frees the slack of the last slab. */
  seal(): void {
    this.bytes.trim();
  }

  at(index: number): KustoRow {
    if (!Number.isInteger(index) || index < 0 || index >= this.ends.length) {
      throw outOfRange(index, this.ends.length);
    }
    return this.parseRange(index, index + 1)[0];
  }

  slice(start: number, end: number = this.ends.length): KustoRow[] {
    const from = Math.max(0, Math.trunc(start));
    const to = Math.min(this.ends.length, Math.trunc(end));
    return from < to ? this.parseRange(from, to) : [];
  }

  /**
   * One column's value in rows [start, end), read from the bytes: the row is walked up to that value and only the
   * value is decoded, several times cheaper than parsing whole rows (what a sort needs).
   */
  column(columnIndex: number, start = 0, end: number = this.ends.length): (KustoValue | undefined)[] {
    const from = Math.max(0, start);
    const to = Math.min(this.ends.length, end);
    if (this.hasNonRowElements) {
      // Errors written between rows: read parsed rows (rare, and small results).
      return this.slice(from, to).map((row) => row[columnIndex]);
    }
    const values = new Array<KustoValue | undefined>(Math.max(0, to - from));
    if (from < to) {
      // The rows are one run of bytes: one view of the whole stretch, each row found from where the last ended.
      const stretchStart = this.startOf(from);
      const { buffer, offset } = this.bytes.view(stretchStart, this.ends[to - 1]);
      const shift = offset - stretchStart;
      const stretchEnd = this.ends[to - 1] + shift;
      let rowStart = offset;
      for (let row = from; row < to; row++) {
        const rowEnd = this.ends[row] + shift;
        values[row - from] = this.valueInRow(buffer, rowStart, rowEnd, columnIndex);
        rowStart = rowEnd;
        while (rowStart < stretchEnd && (buffer[rowStart] === COMMA || buffer[rowStart] <= 0x20)) rowStart++;
      }
    }
    if (this.dynamicColumns.includes(columnIndex)) {
      for (let row = from; row < to; row++) {
        const value = values[row - from];
        if (value !== null && typeof value === 'object') {
          values[row - from] = this.exactDynamic(row, columnIndex) ?? value;
        }
      }
    }
    return values;
  }

  /** The rows' bytes can be searched as sent (RowByteSearch). */
  get byteSearch(): RowByteSearch {
    return this;
  }

  /** Each row as its bytes (RawRowBytes); not when errors sit between rows (rare; such rows are read parsed). */
  get rawRowBytes(): RawRowBytes | undefined {
    if (this.hasNonRowElements) return undefined;
    return {
      rowBytes: (index) => {
        const start = this.startOf(index);
        const end = this.ends[index];
        const { buffer, offset } = this.bytes.view(start, end);
        return { buffer, start: offset, end: offset + (end - start) };
      },
      dynamicColumnIndexes: this.dynamicColumns,
    };
  }

  /**
   * Sets `marks[row] = 1` for each row of [start, end) whose bytes, read as Latin-1, `pattern` (global) finds in,
   * without parsing any row; with `among`, only rows marked 1 there are looked at. Returns how many rows it marked.
   * The bytes are the row as sent: a caller that looks for display text must allow for escapes and number
   * spellings itself (see the results filter).
   */
  markRowsWhoseBytesMatch(pattern: RegExp, marks: Uint8Array, among: Uint8Array | undefined, start: number, end: number): number {
    const ends = this.ends;
    const last = Math.min(ends.length, end);
    let marked = 0;
    for (let blockStart = Math.max(0, start); blockStart < last; blockStart += ITERATION_BLOCK_ROWS) {
      const blockEnd = Math.min(last, blockStart + ITERATION_BLOCK_ROWS);
      let wanted = blockEnd - blockStart;
      if (among) {
        wanted = 0;
        for (let row = blockStart; row < blockEnd; row++) wanted += among[row];
      }
      if (wanted * 4 >= blockEnd - blockStart) {
        marked += this.searchBlock(pattern, blockStart, blockEnd, marks);
        continue;
      }
      // A few rows of the block: each one alone.
      for (let row = blockStart; row < blockEnd && wanted > 0; row++) {
        if (among![row] === 1) {
          marked += this.searchBlock(pattern, row, row + 1, marks);
          wanted--;
        }
      }
    }
    return marked;
  }

  /** Marks the rows of [blockStart, blockEnd) that `pattern` finds in; returns how many it found in. */
  private searchBlock(pattern: RegExp, blockStart: number, blockEnd: number, marks: Uint8Array): number {
    const ends = this.ends;
    const start = this.startOf(blockStart);
    const { buffer, offset } = this.bytes.view(start, ends[blockEnd - 1]);
    // Latin-1 maps each byte to one character, so a match's index is a byte position.
    const text = buffer.toString('latin1', offset, offset + (ends[blockEnd - 1] - start));
    let row = blockStart;
    let found = 0;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const position = start + match.index;
      while (ends[row] <= position) row++;
      marks[row] = 1;
      found++;
      if (row + 1 >= blockEnd) break;
      // The rest of a marked row need not be searched.
      pattern.lastIndex = ends[row] - start;
    }
    return found;
  }

  *[Symbol.iterator](): Iterator<KustoRow> {
    for (let start = 0; start < this.ends.length; start += ITERATION_BLOCK_ROWS) {
      yield* this.parseRange(start, Math.min(this.ends.length, start + ITERATION_BLOCK_ROWS));
    }
  }

  private startOf(index: number): number {
    if (index === 0) {
      return this.firstRowStart;
    }
    // Skip the separator (a comma and whitespace) after the previous row's closing bracket.
    let position = this.ends[index - 1];
    for (;;) {
      const byte = this.bytes.byteAt(position);
      if (byte === 0x5b || (byte !== COMMA && byte > 0x20)) {
        return position;
      }
      position++;
    }
  }

  /** The value at `columnIndex` of the row in buffer[start, end) (validated JSON), or undefined past its end. */
  private valueInRow(buffer: Buffer, start: number, end: number, columnIndex: number): KustoValue | undefined {
    let position = skipWhitespace(buffer, start + 1, end);
    for (let column = 0; column < columnIndex; column++) {
      if (buffer[position] === CLOSE_BRACKET) {
        return undefined;
      }
      position = skipWhitespace(buffer, skipValue(buffer, position, end), end);
      if (buffer[position] !== COMMA) {
        return undefined;
      }
      position = skipWhitespace(buffer, position + 1, end);
    }
    if (buffer[position] === CLOSE_BRACKET) {
      return undefined;
    }
    const valueEnd = skipValue(buffer, position, end);
    const first = buffer[position];
    if (first === QUOTE) {
      const closing = valueEnd - 1;
      // Look for an escape only inside this string: indexOf would search the rest of the piece (megabytes) for
      // every row, which made reading a string column quadratic in the piece size.
      let escaped = false;
      for (let index = position + 1; index < closing; index++) {
        if (buffer[index] === BACKSLASH) {
          escaped = true;
          break;
        }
      }
      return escaped ? (JSON.parse(buffer.toString('utf8', position, valueEnd)) as string) : buffer.toString('utf8', position + 1, closing);
    }
    if (first === LOWER_N) {
      return null;
    }
    if (first === LOWER_T || first === LOWER_F) {
      return first === LOWER_T;
    }
    if (valueEnd - position <= 15 && (first === MINUS || (first >= ZERO && first <= NINE))) {
      // A short integer (most numbers in a result): read its digits here instead of through a string.
      let index = first === MINUS ? position + 1 : position;
      let value = 0;
      while (index < valueEnd) {
        const byte = buffer[index];
        if (byte < ZERO || byte > NINE) break;
        value = value * 10 + (byte - ZERO);
        index++;
      }
      if (index === valueEnd && valueEnd > position + (first === MINUS ? 1 : 0)) return first === MINUS ? -value : value;
    }
    const text = buffer.toString('utf8', position, valueEnd);
    if (first === OPEN_BRACKET || first === OPEN_BRACE) {
      const value = JSON.parse(text) as KustoValue;
      return this.mayHoldUnsafeIntegers && holdsUnsafeInteger(value) ? (JSON.parse(quoteUnsafeIntegers(text)) as KustoValue) : value;
    }
    // An integer literal a JS number cannot hold exactly keeps its digits, as a parsed row does.
    return /^-?\d+$/.test(text) && isUnsafeIntegerLiteral(text) ? text : Number(text);
  }

  private parseRange(from: number, to: number): KustoRow[] {
    const start = this.startOf(from);
    const text = `[${this.bytes.text(start, this.ends[to - 1])}]`;
    let parsed: unknown[];
    try {
      parsed = JSON.parse(text) as unknown[];
    } catch (error) {
      throw this.unreadable(from, to, error);
    }
    if (this.mayHoldUnsafeIntegers && holdsUnsafeInteger(parsed)) {
      // A long beyond 2^53 was rounded by JSON.parse: parse again with such literals quoted to keep their digits.
      parsed = JSON.parse(quoteUnsafeIntegers(text)) as unknown[];
    }
    if (this.hasNonRowElements) {
      parsed = parsed.filter((element) => Array.isArray(element));
    }
    if (parsed.length !== to - from) {
      throw new KustoResponseFormatError(this.where + start, `rows ${from + 1} to ${to} could not be read (found ${parsed.length} rows)`);
    }
    const rows = parsed as KustoRow[];
    for (const column of this.dynamicColumns) {
      for (let index = 0; index < rows.length; index++) {
        const value = rows[index][column];
        if (value !== null && typeof value === 'object') {
          const exact = this.exactDynamic(from + index, column);
          if (exact !== undefined) rows[index][column] = exact;
        }
      }
    }
    return rows;
  }

  /** The JSON text of a dynamic cell as sent, when parsing it would change it (see exactDynamic.ts); else undefined. */
  private exactDynamic(row: number, column: number): string | undefined {
    if (this.hasNonRowElements) {
      return undefined;
    }
    const start = this.startOf(row);
    const end = this.ends[row];
    const { buffer, offset } = this.bytes.view(start, end);
    const rowEnd = offset + (end - start);
    let position = skipWhitespace(buffer, offset + 1, rowEnd);
    for (let index = 0; index < column; index++) {
      position = skipWhitespace(buffer, skipValue(buffer, position, rowEnd), rowEnd);
      if (buffer[position] !== COMMA) {
        return undefined;
      }
      position = skipWhitespace(buffer, position + 1, rowEnd);
    }
    const valueEnd = skipValue(buffer, position, rowEnd);
    return needsExactText(buffer, position, valueEnd) ? buffer.toString('utf8', position, valueEnd) : undefined;
  }

  private unreadable(from: number, to: number, error: unknown): KustoResponseFormatError {
    // Find the row that fails, so the message names it.
    for (let index = from; index < to && to - from > 1; index++) {
      const start = this.startOf(index);
      try {
        JSON.parse(this.bytes.text(start, this.ends[index]));
      } catch (rowError) {
        return new KustoResponseFormatError(this.where + start, `row ${index + 1} is not valid JSON (${syntaxReason(rowError)})`);
      }
    }
    const start = this.startOf(from);
    return new KustoResponseFormatError(this.where + start, `row ${from + 1} is not valid JSON (${syntaxReason(error)})`);
  }
}
