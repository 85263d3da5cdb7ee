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
const ROWS_PER_PAUSE = 1 << 17;
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
  for (let i = 0; i < count; i++) {
    const h = words[2 * i + HIGH_WORD];
    const l = words[2 * i + 1 - HIGH_WORD];
    // Negative numbers: all bits flipped (a larger magnitude sorts first); others: the sign bit set (after them).
    if (h & 0x80000000) {
      high[i] = ~h;
      low[i] = ~l;
    } else {
      high[i] = h | 0x80000000;
      low[i] = l;
    }
    if ((i & (ROWS_PER_PAUSE - 1)) === ROWS_PER_PAUSE - 1) yield undefined;
  }
  let order: Uint32Array = rows;
  let spareHigh = new Uint32Array(count);
  let spareLow = new Uint32Array(count);
  let spareOrder: Uint32Array = new Uint32Array(count);
  const starts = new Uint32Array(BUCKETS);
  for (let pass = 0; pass < 4; pass++) {
    const digits = pass < 2 ? low : high;
    const shift = pass % 2 === 0 ? 0 : DIGIT_BITS;
    starts.fill(0);
    for (let i = 0; i < count; i++) starts[(digits[i] >>> shift) & (BUCKETS - 1)]++;
    if (count === 0 || starts[(digits[0] >>> shift) & (BUCKETS - 1)] === count) continue; // one digit for all rows
    let next = 0;
    for (let digit = 0; digit < BUCKETS; digit++) {
      const rowsWithDigit = starts[digit];
      starts[digit] = next;
      next += rowsWithDigit;
    }
    yield undefined;
    // The low words are read by the first two passes only: the last two leave them behind.
    const movesLow = pass < 1;
    for (let i = 0; i < count; i++) {
      const target = starts[(digits[i] >>> shift) & (BUCKETS - 1)]++;
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
