// The results view model: sort, filter and paging over one Kusto table, without copying rows.
// A view is an index array (Uint32Array) over the table's rows; sorting compares typed keys computed once per
// column, so a million rows sort in well under a second and the rows themselves never move.

import type { KustoRows, RowByteSearch } from '../kusto/kustoRows';
import type { KustoColumn, KustoRow, KustoScalarType, KustoTable, KustoValue } from '../kusto/resultTypes';
import type { CellText, SortSpec } from '../../shared/resultsProtocol';
import { stableSortByNumber } from './numberSort';
import { formatKustoValue, parseDatetime, parseTimespan } from '../kusto/valueDecoding';
import { runToEnd, type Work, type WorkProgress } from './slicedWork';

/** Order and filter of a view over one table. */
export interface ViewOptions {
  readonly sort?: SortSpec;
  readonly filter?: string;
}

// Rank of a cell in a sort: values first, then values that cannot be ordered (NaN, unparseable), then nulls.
const RANK_VALUE = 0;
const RANK_UNORDERED = 1;
const RANK_NULL = 2;

/** Typed sort keys of one column: a rank per row and a comparator for two rows that both have RANK_VALUE. */
interface ColumnSortKeys {
  readonly rank: Uint8Array;
  readonly compare: (a: number, b: number) => number;
  /** Numeric columns: each row's key as a double (where its rank is RANK_VALUE), sorted by numberSort.ts. */
  readonly numbers?: Float64Array;
}

/** Rows a piece of work handles between two pause points: small enough for a slice of a few milliseconds. */
const ROWS_PER_STEP = 2048;

/** One column's values, read a stretch at a time with a pause point between stretches. */
function* readColumn(rows: KustoRows, columnIndex: number): Work<(KustoValue | undefined)[]> {
  const values: (KustoValue | undefined)[] = new Array(rows.length);
  for (let start = 0; start < rows.length; start += ROWS_PER_STEP) {
    const stretch = rows.column(columnIndex, start, Math.min(rows.length, start + ROWS_PER_STEP));
    for (let i = 0; i < stretch.length; i++) values[start + i] = stretch[i];
    yield { done: start + stretch.length, total: rows.length };
  }
  return values;
}

function* buildSortKeys(rows: KustoRows, columnIndex: number, type: KustoScalarType): Work<ColumnSortKeys> {
  const count = rows.length;
  const rank = new Uint8Array(count);
  const values = yield* readColumn(rows, columnIndex);
  const cell = (i: number): KustoValue | undefined => values[i];

  switch (type) {
    case 'datetime':
    case 'timespan': {
      const primary = new Float64Array(count);
      const secondary = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        if ((i & 0x7ff) === 0x7ff) yield undefined;
        const v = cell(i);
        if (v === null || v === undefined) {
          rank[i] = RANK_NULL;
        } else if (type === 'datetime') {
          const key = typeof v === 'string' ? parseDatetime(v) : undefined;
          if (key) {
            primary[i] = key.ms;
            secondary[i] = key.subMsTicks;
          } else {
            rank[i] = RANK_UNORDERED;
          }
        } else {
          const key = typeof v === 'string' ? parseTimespan(v) : undefined;
          if (key) {
            primary[i] = key.seconds;
            secondary[i] = key.ticks;
          } else if (typeof v === 'number') {
            // Some endpoints send timespans as ticks.
            primary[i] = Math.trunc(v / 1e7);
            secondary[i] = v % 1e7;
          } else {
            rank[i] = RANK_UNORDERED;
          }
        }
      }
      return { rank, compare: (a, b) => primary[a] - primary[b] || secondary[a] - secondary[b] };
    }
    case 'long': {
      // Exact: longs beyond 2^53 arrive as digit strings and compare as BigInt; JS compares number with bigint exactly.
      let hasBig = false;
      const numeric = new Float64Array(count);
      const exact: (number | bigint)[] = [];
      for (let i = 0; i < count; i++) {
        if ((i & 0x7ff) === 0x7ff) yield undefined;
        const v = cell(i);
        if (v === null || v === undefined) {
          rank[i] = RANK_NULL;
        } else if (typeof v === 'number') {
          numeric[i] = v;
          if (Number.isNaN(v)) rank[i] = RANK_UNORDERED;
        } else if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) {
          hasBig = true;
          numeric[i] = Number(v);
        } else {
          rank[i] = RANK_UNORDERED;
        }
      }
      if (!hasBig) {
        return { rank, compare: (a, b) => numeric[a] - numeric[b], numbers: numeric };
      }
      for (let i = 0; i < count; i++) {
        if ((i & 0x7ff) === 0x7ff) yield undefined;
        const v = cell(i);
        exact.push(typeof v === 'string' && rank[i] === RANK_VALUE ? BigInt(v.trim()) : numeric[i]);
      }
      return { rank, compare: (a, b) => (exact[a] < exact[b] ? -1 : exact[a] > exact[b] ? 1 : 0) };
    }
    case 'int':
    case 'real':
    case 'decimal':
    case 'bool': {
      const numeric = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        if ((i & 0x7ff) === 0x7ff) yield undefined;
        const v = cell(i);
        if (v === null || v === undefined) {
          rank[i] = RANK_NULL;
          continue;
        }
        // real NaN/Infinity and decimals arrive as strings.
        const n = typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' ? Number(v) : NaN;
        if (Number.isNaN(n)) {
          rank[i] = RANK_UNORDERED;
        } else {
          numeric[i] = n;
        }
      }
      return { rank, compare: (a, b) => (numeric[a] < numeric[b] ? -1 : numeric[a] > numeric[b] ? 1 : 0), numbers: numeric };
    }
    default: {
      // string, guid, dynamic: ordinal comparison of the display text.
      const text: string[] = new Array<string>(count);
      for (let i = 0; i < count; i++) {
        if ((i & 0x7ff) === 0x7ff) yield undefined;
        const formatted = formatKustoValue(type, cell(i));
        if (formatted === null) {
          rank[i] = RANK_NULL;
          text[i] = '';
        } else {
          text[i] = formatted;
        }
      }
      return { rank, compare: (a, b) => (text[a] < text[b] ? -1 : text[a] > text[b] ? 1 : 0) };
    }
  }
}

/**
 * Rows sorted by number keys as the comparator sort orders them: rows with a value by key (descending: by the
 * negated key), ties and the rest in table order, unordered values (NaN) after them and nulls last.
 */
function* sortByNumbers(rank: Uint8Array, numbers: Float64Array, direction: number): Work<Uint32Array> {
  const count = rank.length;
  let values = 0;
  for (let i = 0; i < count; i++) if (rank[i] === RANK_VALUE) values++;
  yield undefined;
  const keys = new Float64Array(values);
  const rows = new Uint32Array(values);
  const order = new Uint32Array(count);
  let next = 0;
  for (let i = 0; i < count; i++) {
    if (rank[i] === RANK_VALUE) {
      // + 0 turns -0 into 0: the comparator sort holds them equal, and so must `<=` after negation.
      keys[next] = direction * numbers[i] + 0;
      rows[next++] = i;
    }
    if ((i & 0x3ffff) === 0x3ffff) yield undefined;
  }
  const sorted = yield* stableSortByNumber(keys, rows);
  order.set(sorted);
  yield undefined;
  next = values;
  for (const wanted of [RANK_UNORDERED, RANK_NULL]) {
    if (next === count) break;
    for (let i = 0; i < count; i++) if (rank[i] === wanted) order[next++] = i;
    yield undefined;
  }
  return order;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A small least-recently-used map, for views and filter results that are worth keeping but not forever. */
class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  /** Every entry, without touching their recency. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }
}

/** How far a filter has come: the rows it has looked at and the matches among them (table order). */
export interface FilterProgress extends WorkProgress {
  /** Rows [0, done) have been looked at; `matches[row]` is 1 for each of them that matches. */
  readonly matches: Uint8Array;
  readonly matched: number;
}

/** One result table with cached sort keys, sorted orders and filter matches. */
export class ResultTable {
  private readonly sortKeys = new Map<number, ColumnSortKeys>();
  private readonly sortedOrders = new LruMap<string, Uint32Array>(4);
  private readonly filterMatches = new LruMap<string, Uint8Array>(4);
  private readonly views = new LruMap<string, ResultView>(8);

  constructor(readonly table: KustoTable) {}

  get columns(): readonly KustoColumn[] {
    return this.table.columns;
  }

  get rowCount(): number {
    return this.table.rows.length;
  }

  /** The rows in the given order and filter, computed at once. Throws a clear error for a column that does not exist. */
  view(options: ViewOptions = {}): ResultView {
    return runToEnd(this.viewWork(options));
  }

  /** The view already computed for these options, if any (no work done). */
  cachedView(options: ViewOptions = {}): ResultView | undefined {
    return this.views.get(viewCacheKey(options));
  }

  /**
   * The work of computing a view, to run at once (`runToEnd`) or in slices (`runSliced`). A filter without a sort
   * reports FilterProgress as it goes, so the first matches can be shown before the last row was looked at.
   */
  *viewWork(options: ViewOptions = {}): Work<ResultView> {
    const sort = options.sort;
    if (sort && (sort.columnIndex < 0 || sort.columnIndex >= this.columns.length)) {
      throw new RangeError(
        `Cannot sort by column ${sort.columnIndex}: table "${this.table.name}" has ${this.columns.length} columns.`,
      );
    }
    const filter = options.filter ?? '';
    const key = viewCacheKey(options);
    const cached = this.views.get(key);
    if (cached) {
      return cached;
    }
    let order: Uint32Array | undefined = sort ? yield* this.sortedOrder(sort) : undefined;
    if (filter.length > 0) {
      const matches = yield* this.matches(filter);
      const base = order;
      let kept = 0;
      for (let i = 0; i < matches.length; i++) kept += matches[i];
      const filtered = new Uint32Array(kept);
      let next = 0;
      for (let p = 0; p < matches.length; p++) {
        const rowIndex = base ? base[p] : p;
        if (matches[rowIndex]) filtered[next++] = rowIndex;
        if ((p & 0xffff) === 0xffff) yield undefined;
      }
      order = filtered;
    }
    const view = new ResultView(this, order, !sort);
    this.views.set(key, view);
    return view;
  }

  private *keysFor(columnIndex: number): Work<ColumnSortKeys> {
    let keys = this.sortKeys.get(columnIndex);
    if (!keys) {
      keys = yield* buildSortKeys(this.table.rows, columnIndex, this.columns[columnIndex].type);
      this.sortKeys.set(columnIndex, keys);
    }
    return keys;
  }

  private *sortedOrder(sort: SortSpec): Work<Uint32Array> {
    const cacheKey = `${sort.columnIndex}${sort.direction}`;
    const cached = this.sortedOrders.get(cacheKey);
    if (cached) {
      return cached;
    }
    const { rank, compare, numbers } = yield* this.keysFor(sort.columnIndex);
    const direction = sort.direction === 'desc' ? -1 : 1;
    if (numbers) {
      const order = yield* sortByNumbers(rank, numbers, direction);
      this.sortedOrders.set(cacheKey, order);
      return order;
    }
    // Nulls stay last either way; ties keep the table's order (the merge sort is stable).
    const order = yield* stableSortRows(this.rowCount, (a, b) => {
      const ra = rank[a];
      const rb = rank[b];
      if (ra !== rb) return ra - rb;
      return ra === RANK_VALUE ? direction * compare(a, b) : 0;
    });
    this.sortedOrders.set(cacheKey, order);
    return order;
  }

  /** 1 for each row with a cell whose display text contains `filter`, ignoring case. Null cells never match. */
  private *matches(filter: string): Work<Uint8Array> {
    const cached = this.filterMatches.get(filter);
    if (cached) {
      return cached;
    }
    const pattern = new RegExp(escapeRegExp(filter), 'i');
    const { rows } = this.table;
    const columns = this.columns;
    const result = new Uint8Array(rows.length);
    const rowMatches = (row: KustoRow): boolean => {
      for (let c = 0; c < columns.length; c++) {
        const v = row[c];
        if (v === null || v === undefined) continue;
        const text = typeof v === 'string' ? v : formatKustoValue(columns[c].type, v);
        if (text !== null && pattern.test(text)) return true;
      }
      return false;
    };
    // Typing a filter narrows it: a row that shows "texas" also shows "tex", so only the rows an earlier filter
    // contained in this one kept need a look (rows are parsed as they are read; this saves parsing the rest).
    // Rows whose bytes cannot show the filter are ruled out without parsing them.
    const narrowed = this.narrowedFrom(filter);
    const byteSearch = this.byteSearchFor(filter);
    const marks = byteSearch ? new Uint8Array(rows.length) : undefined;
    let searchBytes = byteSearch !== undefined;
    let matched = 0;
    for (let start = 0; start < rows.length; start += FILTER_BLOCK_ROWS) {
      const end = Math.min(rows.length, start + FILTER_BLOCK_ROWS);
      let candidates = narrowed;
      if (searchBytes) {
        const marked = byteSearch!.search.markRowsWhoseBytesMatch(byteSearch!.pattern, marks!, narrowed, start, end);
        // Nearly every row of the first block holds the text: the search would rule out too few rows to pay.
        if (start === 0 && !narrowed && marked * 10 > (end - start) * 9) searchBytes = false;
        else {
          // A block searched whole marks rows the narrower filter already ruled out: keep only rows both allow.
          if (narrowed) for (let r = start; r < end; r++) marks![r] &= narrowed[r];
          candidates = marks;
        }
      }
      if (candidates) {
        const kept = countOnes(candidates, start, end);
        if (kept > 0) {
          // Many candidates: parse the block at once; a few: parse just those rows.
          const block = kept * 4 > end - start ? rows.slice(start, end) : undefined;
          for (let r = start; r < end; r++) {
            if (candidates[r] === 1 && rowMatches(block ? block[r - start] : rows.at(r))) {
              result[r] = 1;
              matched++;
            }
          }
        }
      } else {
        const block = rows.slice(start, end);
        for (let r = start; r < end; r++) {
          if (rowMatches(block[r - start])) {
            result[r] = 1;
            matched++;
          }
        }
      }
      const progress: FilterProgress = { done: end, total: rows.length, matches: result, matched };
      yield progress;
    }
    this.filterMatches.set(filter, result);
    return result;
  }

  /**
   * The byte search that can rule rows out for `filter`, or undefined when the rows' bytes cannot tell. A string
   * cell shows its text as sent unless it holds an escape (a backslash in the bytes); other cells show numbers
   * (only digits, '.', '+', '-', 'e', a timespan's ':', Infinity or NaN), true, false, or compact JSON made of such
   * strings, numbers and punctuation. Case-insensitive matching never pairs an ASCII letter with a non-ASCII one.
   * So ASCII text that is not number-like and holds no JSON punctuation shows in a row only if the row's bytes hold
   * it (ignoring ASCII case) or hold a backslash.
   */
  private byteSearchFor(filter: string): { search: RowByteSearch; pattern: RegExp } | undefined {
    const search = this.table.rows.byteSearch;
    const lower = filter.toLowerCase();
    if (!search || !ASCII_TEXT.test(filter) || JSON_PUNCTUATION.test(filter) || NUMBER_TEXT.test(filter)) return undefined;
    if ('-infinity'.includes(lower) || 'nan'.includes(lower)) return undefined;
    return { search, pattern: new RegExp(`${escapeRegExp(filter)}|\\\\`, 'gi') };
  }

  /** The matches of the longest cached filter that `filter` contains (ASCII filters, where that containment is exact). */
  private narrowedFrom(filter: string): Uint8Array | undefined {
    if (!ASCII_TEXT.test(filter)) return undefined;
    const wanted = filter.toUpperCase();
    let best: { length: number; matches: Uint8Array } | undefined;
    for (const [earlier, matches] of this.filterMatches.entries()) {
      if (earlier.length > 0 && earlier.length < filter.length && ASCII_TEXT.test(earlier) && wanted.includes(earlier.toUpperCase())) {
        if (!best || earlier.length > best.length) best = { length: earlier.length, matches };
      }
    }
    return best?.matches;
  }
}

function viewCacheKey(options: ViewOptions): string {
  const sort = options.sort;
  return `${sort ? `${sort.columnIndex}${sort.direction}` : ''}|${options.filter ?? ''}`;
}

/**
 * Positions 0..count-1 sorted by `compare`, stably (equal rows keep the table's order), as a bottom-up merge sort
 * that pauses between stretches of merging: a million rows sort without holding the thread for the whole sort.
 */
export function* stableSortRows(count: number, compare: (a: number, b: number) => number): Work<Uint32Array> {
  let source = new Uint32Array(count);
  let target = new Uint32Array(count);
  for (let i = 0; i < count; i++) source[i] = i;
  // Runs of 32 by insertion sort: fewer merge passes, and insertion sort is fast on short runs.
  const RUN = 32;
  for (let runStart = 0; runStart < count; runStart += RUN) {
    const runEnd = Math.min(count, runStart + RUN);
    for (let i = runStart + 1; i < runEnd; i++) {
      const value = source[i];
      let j = i - 1;
      while (j >= runStart && compare(source[j], value) > 0) {
        source[j + 1] = source[j];
        j--;
      }
      source[j + 1] = value;
    }
    if ((runStart & 0x3fff) === 0) yield undefined;
  }
  let steps = 0;
  for (let width = RUN; width < count; width *= 2) {
    for (let left = 0; left < count; left += 2 * width) {
      const middle = Math.min(count, left + width);
      const right = Math.min(count, left + 2 * width);
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        // `<= 0` takes the left element on ties: that is what keeps the sort stable.
        target[k++] = compare(source[i], source[j]) <= 0 ? source[i++] : source[j++];
        if ((++steps & 0x1fff) === 0) yield undefined;
      }
      while (i < middle) target[k++] = source[i++];
      while (j < right) target[k++] = source[j++];
    }
    [source, target] = [target, source];
  }
  return source;
}

const FILTER_BLOCK_ROWS = 1024;
const ASCII_TEXT = /^[\x20-\x7e]*$/;
const JSON_PUNCTUATION = /["{}[\]:,\\]/;
/** Text that could be part of how a number shows (see candidatesFromBytes). */
const NUMBER_TEXT = /^[0-9.+\-eE]*$/;

function countOnes(flags: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let index = start; index < end; index++) count += flags[index];
  return count;
}

const ROWS_PER_READ = 1024;

/** Rows of a table in one order and filter, addressed by position (0 = first row shown). */
export class ResultView {
  /**
   * @param order the source row of each position (undefined: every row in table order)
   * @param inTableOrder the order only leaves rows out (a filter without a sort), so it increases
   */
  constructor(
    readonly source: ResultTable,
    private readonly order: Uint32Array | undefined,
    private readonly inTableOrder: boolean,
  ) {}

  get rowCount(): number {
    return this.order ? this.order.length : this.source.rowCount;
  }

  get columns(): readonly KustoColumn[] {
    return this.source.columns;
  }

  /** Index in the original table of the row at `position`. */
  sourceRowIndex(position: number): number {
    return this.order ? this.order[position] : position;
  }

  rowAt(position: number): KustoRow {
    return this.source.table.rows.at(this.sourceRowIndex(position));
  }

  /** Raw rows [start, start + count), clipped to the view. */
  rows(start: number, count: number): KustoRow[] {
    const from = Math.max(0, start);
    const end = Math.min(this.rowCount, start + count);
    if (!this.order) {
      // In table order the rows are one run: one parse for the page.
      return this.source.table.rows.slice(from, end);
    }
    const order = this.order;
    if (this.inTableOrder && end > from) {
      // A filtered run of the table: when the rows shown are a good part of the stretch of the table they span,
      // one parse of that stretch costs less than a parse per row.
      const first = order[from];
      const span = order[end - 1] - first + 1;
      if (span <= (end - from) * 4) {
        const stretch = this.source.table.rows.slice(first, first + span);
        const result: KustoRow[] = [];
        for (let p = from; p < end; p++) result.push(stretch[order[p] - first]);
        return result;
      }
    }
    const result: KustoRow[] = [];
    for (let p = from; p < end; p++) result.push(this.rowAt(p));
    return result;
  }

  /** Rows [start, end) one by one, read a block at a time (one parse per block when in table order). */
  *rowsBetween(start: number, end: number): Generator<KustoRow> {
    const last = Math.min(this.rowCount, end);
    for (let blockStart = Math.max(0, start); blockStart < last; blockStart += ROWS_PER_READ) {
      yield* this.rows(blockStart, Math.min(ROWS_PER_READ, last - blockStart));
    }
  }

  /** Display text of rows [start, start + count), clipped to the view: what one page of the grid shows. */
  formattedRows(start: number, count: number): CellText[][] {
    const columns = this.columns;
    return this.rows(start, count).map((row) => columns.map((column, c) => formatKustoValue(column.type, row[c])));
  }
}
