// A stable sort of rows by a number key, for numeric columns: the keys sit in a Float64Array next to the row
// numbers and both move together through a bottom-up merge sort, so a comparison is one `<=` on two doubles read
// in sequence (no comparator call, no lookup through the row number). It pauses like stableSortRows, so a million
// rows sort without holding the thread.

import type { Work } from './slicedWork';

/** Insertion-sorted runs before merging. */
const RUN = 32;
/** Elements merged between two pause points. */
const STEPS_PER_PAUSE = 1 << 16;

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
  for (let runStart = 0; runStart < count; runStart += RUN) {
    const runEnd = Math.min(count, runStart + RUN);
    for (let i = runStart + 1; i < runEnd; i++) {
      const key = sourceKeys[i];
      const row = sourceRows[i];
      let j = i - 1;
      while (j >= runStart && sourceKeys[j] > key) {
        sourceKeys[j + 1] = sourceKeys[j];
        sourceRows[j + 1] = sourceRows[j];
        j--;
      }
      sourceKeys[j + 1] = key;
      sourceRows[j + 1] = row;
    }
    if ((runStart & 0x7fff) === 0) yield undefined;
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
        // `<=` takes the left element on ties: that keeps the sort stable.
        if (sourceKeys[i] <= sourceKeys[j]) {
          targetKeys[k] = sourceKeys[i];
          targetRows[k++] = sourceRows[i++];
        } else {
          targetKeys[k] = sourceKeys[j];
          targetRows[k++] = sourceRows[j++];
        }
      }
      while (i < middle) {
        targetKeys[k] = sourceKeys[i];
        targetRows[k++] = sourceRows[i++];
      }
      while (j < right) {
        targetKeys[k] = sourceKeys[j];
        targetRows[k++] = sourceRows[j++];
      }
      steps += right - left;
      if (steps >= STEPS_PER_PAUSE) {
        steps = 0;
        yield undefined;
      }
    }
    [sourceKeys, targetKeys] = [targetKeys, sourceKeys];
    [sourceRows, targetRows] = [targetRows, sourceRows];
  }
  return sourceRows;
}
