// The rows of a result table, read by position. A large result keeps its rows as the JSON bytes the server sent
// and parses only the rows someone reads (a page of the grid, a column for a sort); a small table built in
// memory (tests, fixtures, sample data) holds ready arrays. Both look the same to their readers.

import type { KustoRow, KustoValue } from './resultTypes';

export interface KustoRows extends Iterable<KustoRow> {
  readonly length: number;
  /** The row at `index`; throws a RangeError outside [0, length). */
  at(index: number): KustoRow;
  /** Rows [start, end), clipped to the table. */
  slice(start: number, end?: number): KustoRow[];
  /**
   * One column's value in rows [start, end) (all rows by default; undefined where a row is shorter): what a sort
   * by that column reads, a stretch at a time.
   */
  column(columnIndex: number, start?: number, end?: number): (KustoValue | undefined)[];
  /** Present when the rows can be searched as the bytes the server sent, without parsing them (see RowByteSearch). */
  readonly byteSearch?: RowByteSearch;
  /** Present when each row can be read as the bytes the server sent (an export writes most cells straight from them). */
  readonly rawRowBytes?: RawRowBytes;
}

/** A row as the JSON bytes the server sent (a validated JSON array): buffer[start, end). */
export interface RawRowBytes {
  rowBytes(index: number): { readonly buffer: Uint8Array; readonly start: number; readonly end: number };
  /** Columns of type dynamic, whose objects and arrays keep their text when parsing would change it. */
  readonly dynamicColumnIndexes: readonly number[];
}

/**
 * Searching rows in their bytes as sent: what makes a filter fast on a large result. A capability of the rows, not
 * of one class, so a table that arrived in several fragments keeps it.
 */
export interface RowByteSearch {
  /**
   * Sets `marks[row] = 1` for each row of [start, end) whose bytes, read as Latin-1, `pattern` (global) finds in;
   * with `among`, only rows marked 1 there are looked at. Returns how many rows it marked. The bytes are the row as
   * sent: a caller looking for display text must allow for escapes and number spellings itself.
   */
  markRowsWhoseBytesMatch(pattern: RegExp, marks: Uint8Array, among: Uint8Array | undefined, start: number, end: number): number;
}

/** How many rows an iteration parses at once: large enough to amortise a parse, small enough to stay in cache. */
export const ITERATION_BLOCK_ROWS = 2048;

/** Every row of `rows` as one array: for small tables and tests; a large result is better read in slices. */
export function allRows(rows: KustoRows): KustoRow[] {
  return rows.slice(0, rows.length);
}

export function outOfRange(index: number, length: number): RangeError {
  return new RangeError(`Row ${index} does not exist: the table has ${length} row${length === 1 ? '' : 's'}.`);
}

/** Rows held as arrays in memory. */
export class ArrayRows implements KustoRows {
  constructor(private readonly rows: readonly KustoRow[]) {}

  get length(): number {
    return this.rows.length;
  }

  at(index: number): KustoRow {
    if (!Number.isInteger(index) || index < 0 || index >= this.rows.length) {
      throw outOfRange(index, this.rows.length);
    }
    return this.rows[index];
  }

  slice(start: number, end: number = this.rows.length): KustoRow[] {
    return this.rows.slice(start, end);
  }

  column(columnIndex: number, start = 0, end: number = this.rows.length): (KustoValue | undefined)[] {
    const values: (KustoValue | undefined)[] = [];
    for (let index = Math.max(0, start); index < Math.min(end, this.rows.length); index++) values.push(this.rows[index][columnIndex]);
    return values;
  }

  [Symbol.iterator](): Iterator<KustoRow> {
    return this.rows[Symbol.iterator]();
  }
}

export function rowsOf(rows: readonly KustoRow[]): KustoRows {
  return new ArrayRows(rows);
}

/** Rows of several parts read as one (a v2 table sent as TableHeader + TableFragments). */
export class ConcatenatedRows implements KustoRows {
  private readonly starts: number[] = [];
  readonly length: number;
  readonly byteSearch?: RowByteSearch;
  readonly rawRowBytes?: RawRowBytes;

  constructor(private readonly parts: readonly KustoRows[]) {
    let total = 0;
    for (const part of parts) {
      this.starts.push(total);
      total += part.length;
    }
    this.length = total;
    if (parts.every((part) => part.byteSearch)) {
      this.byteSearch = { markRowsWhoseBytesMatch: (...args) => this.markRowsWhoseBytesMatch(...args) };
    }
    const raw = parts.map((part) => part.rawRowBytes);
    if (parts.length > 0 && raw.every((part) => part !== undefined)) {
      this.rawRowBytes = {
        rowBytes: (index) => {
          const part = this.partOf(index);
          return raw[part]!.rowBytes(index - this.starts[part]);
        },
        dynamicColumnIndexes: raw[0]!.dynamicColumnIndexes,
      };
    }
  }

  at(index: number): KustoRow {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw outOfRange(index, this.length);
    }
    const part = this.partOf(index);
    return this.parts[part].at(index - this.starts[part]);
  }

  slice(start: number, end: number = this.length): KustoRow[] {
    const from = Math.max(0, start);
    const to = Math.min(this.length, end);
    const result: KustoRow[] = [];
    for (let part = from < to ? this.partOf(from) : this.parts.length; part < this.parts.length && this.starts[part] < to; part++) {
      const offset = this.starts[part];
      for (const row of this.parts[part].slice(Math.max(0, from - offset), to - offset)) {
        result.push(row);
      }
    }
    return result;
  }

  column(columnIndex: number, start = 0, end: number = this.length): (KustoValue | undefined)[] {
    const values: (KustoValue | undefined)[] = [];
    this.eachPartIn(start, end, (part, from, to) => {
      for (const value of this.parts[part].column(columnIndex, from, to)) values.push(value);
    });
    return values;
  }

  private markRowsWhoseBytesMatch(pattern: RegExp, marks: Uint8Array, among: Uint8Array | undefined, start: number, end: number): number {
    let marked = 0;
    this.eachPartIn(start, end, (part, from, to) => {
      // Each part counts its rows from 0: hand it views of the marks that start at its first row.
      const offset = this.starts[part];
      marked += this.parts[part].byteSearch!.markRowsWhoseBytesMatch(pattern, marks.subarray(offset), among?.subarray(offset), from, to);
    });
    return marked;
  }

  /** Calls `visit` with each part that rows [start, end) reach and the range inside it, in the part's own numbering. */
  private eachPartIn(start: number, end: number, visit: (part: number, from: number, to: number) => void): void {
    const from = Math.max(0, start);
    const to = Math.min(this.length, end);
    for (let part = from < to ? this.partOf(from) : this.parts.length; part < this.parts.length && this.starts[part] < to; part++) {
      const offset = this.starts[part];
      visit(part, Math.max(0, from - offset), Math.min(this.parts[part].length, to - offset));
    }
  }

  *[Symbol.iterator](): Iterator<KustoRow> {
    for (const part of this.parts) {
      yield* part;
    }
  }

  private partOf(index: number): number {
    // Few parts: a linear search from the end is as fast as a binary one.
    let part = this.parts.length - 1;
    while (part > 0 && this.starts[part] > index) {
      part--;
    }
    return part;
  }
}
