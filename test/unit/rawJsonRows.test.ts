import * as assert from 'node:assert/strict';
import { ByteLog } from '../../src/core/kusto/byteLog';

describe('ByteLog (the bytes of a result kept as received)', () => {
  it('reads back any range of what was appended, whether pieces were kept as they came or copied', () => {
    const log = new ByteLog(64 * 1024);
    const expected: number[] = [];
    let seed = 7;
    const append = (length: number, standalone: boolean): void => {
      // A standalone chunk owns its memory (kept as is); a small view of a larger buffer is copied.
      const backing = Buffer.alloc(standalone ? length : length * 4);
      const chunk = backing.subarray(0, length);
      for (let index = 0; index < length; index++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        chunk[index] = 0x20 + (seed % 90);
        expected.push(chunk[index]);
      }
      log.append(chunk, 0, length);
    };
    append(100, false);
    append(40_000, true);
    append(3, false);
    append(20_000, false);
    append(50_000, true);
    append(1, false);
    log.trim();
    const all = Buffer.from(expected);
    assert.equal(log.length, all.length);
    for (const [start, end] of [
      [0, all.length],
      [0, 100],
      [99, 101],
      [100, 40_100],
      [40_050, 40_150],
      [40_099, 40_104],
      [60_000, 110_104],
      [all.length - 2, all.length],
    ]) {
      assert.equal(log.text(start, end), all.toString('latin1', start, end), `bytes ${start}..${end}`);
    }
    assert.equal(log.byteAt(40_100), all[40_100]);
  });

  it('keeps a multi-byte character intact when it spans two pieces', () => {
    const log = new ByteLog(4);
    const text = 'a😀é日本b';
    const bytes = Buffer.from(text);
    for (let index = 0; index < bytes.length; index++) {
      log.append(bytes, index, index + 1);
    }
    assert.equal(log.text(0, bytes.length), text);
  });
});
