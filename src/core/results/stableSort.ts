// The stable sorts of a results view, both bottom-up merge sorts that pause (a million rows sort without holding
// the thread): `stableSortRows` orders row numbers by a comparator (any column), and `stableSortByNumber` is its
// specialisation for numeric columns: the keys sit in a Float64Array next to the row numbers and both move together,
// so a comparison is one `<=` on two doubles read in sequence (no comparator call, no lookup through the row number).
// Both follow one plan (`mergeSort`): runs sorted by insertion, then passes that merge neighbouring runs; each sort
// brings its own run sort and merge, the inner loops where the time goes.

import type { Work } from './slicedWork';

/** Insertion-sorted runs before merging: fewer merge passes, and insertion sort is fast on short runs. */
const RUN = 32;
/** Elements merged between two pause points of the plan (a merge may pause inside itself as well). */
const STEPS_PER_PAUSE = 1 << 16;

interface MergeSortSteps {
  /** Sorts elements [start, end) of the source in place. */
  readonly sortRun: (start: number, end: number) => void;
  /** Merges sorted [left, middle) and [middle, right) of the source into the target; a generator when it pauses inside. */
  readonly merge: (left: number, middle: number, right: number) => Work<void> | void;
  /** After each pass: the target becomes the source. */
  readonly endPass: () => void;
  /** Pause after each run whose start has these bits clear. */
  readonly runPauseMask: number;
}

/** A bottom-up merge sort of `count` elements in the steps' own arrays. */
function* mergeSort(count: number, steps: MergeSortSteps): Work<void> {
  for (let runStart = 0; runStart < count; runStart += RUN) {
    steps.sortRun(runStart, Math.min(count, runStart + RUN));
    if ((runStart & steps.runPauseMask) === 0) yield undefined;
  }
  let merged = 0;
  for (let width = RUN; width < count; width *= 2) {
    for (let left = 0; left < count; left += 2 * width) {
      const right = Math.min(count, left + 2 * width);
      const pausing = steps.merge(left, Math.min(count, left + width), right);
      if (pausing) yield* pausing;
      merged += right - left;
      if (merged >= STEPS_PER_PAUSE) {
        merged = 0;
        yield undefined;
      }
    }
    steps.endPass();
  }
}

/**
 * Positions 0..count-1 sorted by `compare`, stably (equal rows keep the table's order), pausing between stretches
 * of merging: a comparator may be slow, so a merge pauses inside itself too.
 */
export function* stableSortRows(count: number, compare: (a: number, b: number) => number): Work<Uint32Array> {
  let source = new Uint32Array(count);
  let target = new Uint32Array(count);
  for (let i = 0; i < count; i++) source[i] = i;
  let comparisons = 0;
  yield* mergeSort(count, {
    runPauseMask: 0x3fff,
    sortRun: (start, end) => {
      const rows = source;
      for (let i = start + 1; i < end; i++) {
        const value = rows[i];
        let j = i - 1;
        while (j >= start && compare(rows[j], value) > 0) {
          rows[j + 1] = rows[j];
          j--;
        }
        rows[j + 1] = value;
      }
    },
    *merge(left, middle, right) {
      const from = source;
      const to = target;
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        // `<= 0` takes the left element on ties: that is what keeps the sort stable.
        to[k++] = compare(from[i], from[j]) <= 0 ? from[i++] : from[j++];
        if ((++comparisons & 0x1fff) === 0) yield undefined;
      }
      while (i < middle) to[k++] = from[i++];
      while (j < right) to[k++] = from[j++];
    },
    endPass: () => {
      [source, target] = [target, source];
    },
  });
  return source;
}

/**
 * `rows` (row numbers in table order) sorted by `keys[i]` (the key of rows[i]) ascending, stably: rows with equal
 * keys keep their order. Returns the sorted row numbers. `keys` and `rows` are used as work space.
 */
export function* stableSortByNumber(keys: Float64Array, rows: Uint32Array): Work<Uint32Array> {
  const count = rows.length;
  let sourceKeys: Float64Array = keys;
  let sourceRows: Uint32Array = rows;
  let targetKeys: Float64Array = new Float64Array(count);
  let targetRows: Uint32Array = new Uint32Array(count);
  yield* mergeSort(count, {
    runPauseMask: 0x7fff,
    sortRun: (start, end) => {
      const runKeys = sourceKeys;
      const runRows = sourceRows;
      for (let i = start + 1; i < end; i++) {
        const key = runKeys[i];
        const row = runRows[i];
        let j = i - 1;
        while (j >= start && runKeys[j] > key) {
          runKeys[j + 1] = runKeys[j];
          runRows[j + 1] = runRows[j];
          j--;
        }
        runKeys[j + 1] = key;
        runRows[j + 1] = row;
      }
    },
    merge: (left, middle, right) => {
      const fromKeys = sourceKeys;
      const fromRows = sourceRows;
      const toKeys = targetKeys;
      const toRows = targetRows;
      let i = left;
      let j = middle;
      let k = left;
      while (i < middle && j < right) {
        // `<=` takes the left element on ties: that keeps the sort stable.
        if (fromKeys[i] <= fromKeys[j]) {
          toKeys[k] = fromKeys[i];
          toRows[k++] = fromRows[i++];
        } else {
          toKeys[k] = fromKeys[j];
          toRows[k++] = fromRows[j++];
        }
      }
      while (i < middle) {
        toKeys[k] = fromKeys[i];
        toRows[k++] = fromRows[i++];
      }
      while (j < right) {
        toKeys[k] = fromKeys[j];
        toRows[k++] = fromRows[j++];
      }
    },
    endPass: () => {
      [sourceKeys, targetKeys] = [targetKeys, sourceKeys];
      [sourceRows, targetRows] = [targetRows, sourceRows];
    },
  });
  return sourceRows;
}
