// An append-only run of bytes kept in pieces: where a table's row bytes live (see rawJsonRows.ts).

/** A chunk at least this large is kept as it arrived instead of being copied (when it is most of its memory). */
const KEEP_CHUNK_BYTES = 16 * 1024;
const FIRST_SLAB_BYTES = 16 * 1024;

/**
 * An append-only run of bytes in pieces. Large chunks of the response are kept as they arrived (no copy; the
 * stream hands them over for good); small ones are copied into slabs of their own, so a piece never holds on
 * to much more memory than its bytes.
 */
export class ByteLog {
  private readonly pieces: Buffer[] = [];
  private readonly pieceStarts: number[] = [];
  private slab: Buffer | undefined;
  private slabUsed = 0;
  private total = 0;

  constructor(private readonly maxSlabBytes: number) {}

  get length(): number {
    return this.total;
  }

  append(source: Buffer, start: number, end: number): void {
    const count = end - start;
    if (count <= 0) {
      return;
    }
    if (count >= KEEP_CHUNK_BYTES && count * 2 >= source.buffer.byteLength && count <= this.maxSlabBytes) {
      this.trim();
      this.addPiece(source.subarray(start, end));
      return;
    }
    let from = start;
    while (from < end) {
      if (!this.slab || this.slabUsed === this.slab.length) {
        this.openSlab(end - from);
      }
      const slab = this.slab!;
      const copied = Math.min(end - from, slab.length - this.slabUsed);
      source.copy(slab, this.slabUsed, from, from + copied);
      this.slabUsed += copied;
      this.pieces[this.pieces.length - 1] = slab.subarray(0, this.slabUsed);
      this.total += copied;
      from += copied;
    }
  }

  /** Gives back the unused end of the last slab once nothing more will be appended. */
  trim(): void {
    if (this.slab && this.slabUsed < this.slab.length) {
      const exact = Buffer.allocUnsafeSlow(this.slabUsed);
      this.slab.copy(exact, 0, 0, this.slabUsed);
      this.pieces[this.pieces.length - 1] = exact;
    }
    this.slab = undefined;
  }

  /** Bytes [start, end) as text (UTF-8); one copy when they span pieces. */
  text(start: number, end: number): string {
    const { buffer, offset } = this.view(start, end);
    return buffer.toString('utf8', offset, offset + (end - start));
  }

  /** Bytes [start, end) as one buffer and the offset of `start` in it: a view when they sit in one piece. */
  view(start: number, end: number): { readonly buffer: Buffer; readonly offset: number } {
    const first = this.pieceAt(start);
    const offset = start - this.pieceStarts[first];
    const piece = this.pieces[first];
    if (offset + (end - start) <= piece.length) {
      return { buffer: piece, offset };
    }
    const joined = Buffer.allocUnsafe(end - start);
    let written = 0;
    for (let index = first; written < joined.length; index++) {
      const part = this.pieces[index];
      const from = index === first ? offset : 0;
      const count = Math.min(part.length - from, joined.length - written);
      part.copy(joined, written, from, from + count);
      written += count;
    }
    return { buffer: joined, offset: 0 };
  }

  byteAt(position: number): number {
    const index = this.pieceAt(position);
    return this.pieces[index][position - this.pieceStarts[index]];
  }

  private addPiece(piece: Buffer): void {
    this.pieces.push(piece);
    this.pieceStarts.push(this.total);
    this.total += piece.length;
  }

  private openSlab(wanted: number): void {
    // Slabs double up to the limit while small chunks keep coming: small tables stay small.
    const previous = this.slab ? this.slab.length : FIRST_SLAB_BYTES / 2;
    const size = Math.max(Math.min(previous * 2, this.maxSlabBytes), Math.min(wanted, this.maxSlabBytes), 1);
    this.slab = Buffer.allocUnsafeSlow(size);
    this.slabUsed = 0;
    this.pieces.push(this.slab.subarray(0, 0));
    this.pieceStarts.push(this.total);
  }

  private pieceAt(position: number): number {
    const starts = this.pieceStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= position) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }
}
