// The results filter: which rows show a text (ignoring case) in any cell's display text. Rows whose bytes cannot
// show the text are ruled out without parsing them, and a filter that narrows an earlier one looks only at the
// rows that one kept; the rest are parsed a block at a time.

import type { KustoRows, RowByteSearch } from '../kusto/kustoRows';
import type { KustoRow, KustoTable } from '../kusto/resultTypes';
import { formatKustoValue } from '../kusto/valueDecoding';
import type { LruMap } from './lruMap';
import type { Work, WorkProgress } from './slicedWork';

/** How far a filter has come: the rows it has looked at and the matches among them (table order). */
export interface FilterProgress extends WorkProgress {
  /** Rows [0, done) have been looked at; `matches[row]` is 1 for each of them that matches. */
  readonly matches: Uint8Array;
  readonly matched: number;
}

/**
 * 1 for each row of `table` with a cell whose display text contains `filter`, ignoring case. Null cells never match.
 * `earlier` holds the matches of earlier filters (by filter text), read to narrow this one.
 */
export function* matchRows(table: KustoTable, filter: string, earlier: LruMap<string, Uint8Array>): Work<Uint8Array> {
  const pattern = new RegExp(escapeRegExp(filter), 'i');
  const { rows, columns } = table;
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
  const narrowed = narrowedFrom(earlier, filter);
  const byteSearch = byteSearchFor(rows, filter);
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
function byteSearchFor(rows: KustoRows, filter: string): { search: RowByteSearch; pattern: RegExp } | undefined {
  const search = rows.byteSearch;
  const lower = filter.toLowerCase();
  if (!search || !ASCII_TEXT.test(filter) || JSON_PUNCTUATION.test(filter) || NUMBER_TEXT.test(filter)) return undefined;
  if ('-infinity'.includes(lower) || 'nan'.includes(lower)) return undefined;
  return { search, pattern: new RegExp(`${escapeRegExp(filter)}|\\\\`, 'gi') };
}

/** The matches of the longest cached filter that `filter` contains (ASCII filters, where that containment is exact). */
function narrowedFrom(earlierMatches: LruMap<string, Uint8Array>, filter: string): Uint8Array | undefined {
  if (!ASCII_TEXT.test(filter)) return undefined;
  const wanted = filter.toUpperCase();
  let best: { length: number; matches: Uint8Array } | undefined;
  for (const [earlier, matches] of earlierMatches.entries()) {
    if (earlier.length > 0 && earlier.length < filter.length && ASCII_TEXT.test(earlier) && wanted.includes(earlier.toUpperCase())) {
      if (!best || earlier.length > best.length) best = { length: earlier.length, matches };
    }
  }
  return best?.matches;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const FILTER_BLOCK_ROWS = 1024;
const ASCII_TEXT = /^[\x20-\x7e]*$/;
const JSON_PUNCTUATION = /["{}[\]:,\\]/;
/** Text that could be part of how a number shows (see byteSearchFor). */
const NUMBER_TEXT = /^[0-9.+\-eE]*$/;

function countOnes(flags: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let index = start; index < end; index++) count += flags[index];
  return count;
}
