// Typed sort keys of one column, computed once per column and kept: a rank per row (value, unordered, null) and a
// comparator, or for numeric columns the keys as doubles, sorted without a comparator (numberSort.ts).

import type { KustoRows } from '../kusto/kustoRows';
import type { KustoScalarType, KustoValue } from '../kusto/resultTypes';
import { formatKustoValue, parseDatetime, parseTimespan } from '../kusto/valueDecoding';
import { stableSortByNumber } from './numberSort';
import type { Work } from './slicedWork';

// Rank of a cell in a sort: values first, then values that cannot be ordered (NaN, unparseable), then nulls.
export const RANK_VALUE = 0;
const RANK_UNORDERED = 1;
const RANK_NULL = 2;

/** Typed sort keys of one column: a rank per row and a comparator for two rows that both have RANK_VALUE. */
export interface ColumnSortKeys {
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

export function* buildSortKeys(rows: KustoRows, columnIndex: number, type: KustoScalarType): Work<ColumnSortKeys> {
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
export function* sortByNumbers(rank: Uint8Array, numbers: Float64Array, direction: number): Work<Uint32Array> {
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
