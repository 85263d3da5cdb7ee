// A stable sort of rows by a number key, for numeric columns: a least-significant-digit radix sort of the keys'
// bits. Each double is turned into 64 bits whose unsigned order is the numbers' order, then rows are distributed by
// 16 bits at a time, lowest first; a distribution keeps the order of rows with the same digit, so the sort is stable
// and takes four passes whatever the data (a pass whose digit is the same for every row is skipped). No comparison
// at all: a million rows sort in a fraction of a comparison sort's time. It pauses like stableSortRows, so a million
// rows sort without holding the thread.

import type { Work } from './slicedWork';

const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;
/** Rows handled between two pause points. */
const ROWS_PER_PAUSE = 1 << 15;
/** Which half of a double, seen as two 32-bit words, holds its high bits (sign and exponent). */
const HIGH_WORD = new Uint32Array(new Float64Array([-0]).buffer)[1] === 0x80000000 ? 1 : 0;

/**
 * `rows` (row numbers in table order) sorted by `keys[i]` (the key of rows[i]) ascending, stably: rows with equal
 * keys keep their order. Keys are numbers, not NaN; -0 must already be 0 (the comparator sort holds them equal).
 * Returns the sorted row numbers. `keys` and `rows` may be used as work space.
 */
export function* stableSortByNumber(keys: Float64Array, rows: Uint32Array): Work<Uint32Array> {
  const count = rows.length;
  const words = new Uint32Array(keys.buffer, keys.byteOffset, count * 2);
  let high = new Uint32Array(count);
  let low = new Uint32Array(count);
  // How many rows have each value of each 16-bit digit, all four digits counted in the one pass that maps the keys.
  const starts = new Uint32Array(4 * BUCKETS);
  for (let i = 0; i < count; i++) {
    let h = words[2 * i + HIGH_WORD];
    let l = words[2 * i + 1 - HIGH_WORD];
    // Negative numbers: all bits flipped (a larger magnitude sorts first); others: the sign bit set (after them).
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    high[i] = h;
    low[i] = l;
    starts[l & 0xffff]++;
    starts[BUCKETS + (l >>> 16)]++;
    starts[2 * BUCKETS + (h & 0xffff)]++;
    starts[3 * BUCKETS + (h >>> 16)]++;
    if ((i & (ROWS_PER_PAUSE - 1)) === ROWS_PER_PAUSE - 1) yield undefined;
  }
  let order: Uint32Array = rows;
  let spareHigh = new Uint32Array(count);
  let spareLow = new Uint32Array(count);
  let spareOrder: Uint32Array = new Uint32Array(count);
  for (let pass = 0; pass < 4; pass++) {
    const digits = pass < 2 ? low : high;
    const shift = pass % 2 === 0 ? 0 : DIGIT_BITS;
    const base = pass * BUCKETS;
    if (count === 0 || starts[base + ((digits[0] >>> shift) & (BUCKETS - 1))] === count) continue; // one digit for all rows
    let next = 0;
    for (let digit = base; digit < base + BUCKETS; digit++) {
      const rowsWithDigit = starts[digit];
      starts[digit] = next;
      next += rowsWithDigit;
    }
    // The low words are read by the first two passes only: the last two leave them behind.
    const movesLow = pass < 1;
    for (let i = 0; i < count; i++) {
      const target = starts[base + ((digits[i] >>> shift) & (BUCKETS - 1))]++;
      spareOrder[target] = order[i];
      spareHigh[target] = high[i];
      if (movesLow) spareLow[target] = low[i];
      if ((i & (ROWS_PER_PAUSE - 1)) === ROWS_PER_PAUSE - 1) yield undefined;
    }
    [order, spareOrder] = [spareOrder, order];
    [high, spareHigh] = [spareHigh, high];
    if (movesLow) [low, spareLow] = [spareLow, low];
  }
  return order;
}
