// The results view model: sort, filter and paging over one Kusto table, without copying rows.
// A view is an index array (Uint32Array) over the table's rows; sorting compares typed keys computed once per
// column (columnSortKeys.ts), so a million rows sort in well under a second and the rows themselves never move.
// Which rows a filter keeps is rowFilter.ts; this file keeps the caches, sorts and serves views' rows.

import type { KustoColumn, KustoRow, KustoTable } from '../kusto/resultTypes';
import type { CellText, SortSpec } from '../../shared/resultsProtocol';
import { formatKustoValue } from '../kusto/valueDecoding';
import { buildSortKeys, RANK_VALUE, sortByNumbers, type ColumnSortKeys } from './columnSortKeys';
import { LruMap } from './lruMap';
import { matchRows } from './rowFilter';
import { runToEnd, type Work } from './slicedWork';

/** Order and filter of a view over one table. */
export interface ViewOptions {
  readonly sort?: SortSpec;
  readonly filter?: string;
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

  /** 1 for each row with a cell whose display text contains `filter`, ignoring case (see rowFilter.ts); kept for the next filters. */
  private *matches(filter: string): Work<Uint8Array> {
    const cached = this.filterMatches.get(filter);
    if (cached) {
      return cached;
    }
    const result = yield* matchRows(this.table, filter, this.filterMatches);
    this.filterMatches.set(filter, result);
    return result;
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
