// Row selection as a few ranges, so selecting a million rows with shift-click costs nothing.

import type { RowRange } from '../src/shared/resultsProtocol';

export class RowSelection {
  private ranges: RowRange[] = [];
  private anchor = 0;

  get selectedRanges(): readonly RowRange[] {
    return this.ranges;
  }

  get count(): number {
    return this.ranges.reduce((sum, r) => sum + (r.end - r.start), 0);
  }

  clear(): void {
    this.ranges = [];
  }

  /** Click: only this row. */
  selectOnly(row: number): void {
    this.ranges = [{ start: row, end: row + 1 }];
    this.anchor = row;
  }

  /** Ctrl/Cmd-click: add or remove one row, keeping the rest. */
  toggle(row: number): void {
    if (this.has(row)) {
      this.ranges = this.ranges.flatMap((r) =>
        row >= r.start && row < r.end
          ? [{ start: r.start, end: row }, { start: row + 1, end: r.end }].filter((part) => part.end > part.start)
          : [r],
      );
    } else {
      this.ranges = [...this.ranges, { start: row, end: row + 1 }];
    }
    this.anchor = row;
  }

  /** Shift-click: from the anchor to this row; with `keep` (ctrl+shift) other ranges stay. */
  extendTo(row: number, keep = false): void {
    const range = { start: Math.min(this.anchor, row), end: Math.max(this.anchor, row) + 1 };
    this.ranges = keep ? [...this.ranges, range] : [range];
  }

  selectAll(rowCount: number): void {
    this.ranges = rowCount > 0 ? [{ start: 0, end: rowCount }] : [];
  }

  has(row: number): boolean {
    for (const r of this.ranges) {
      if (row >= r.start && row < r.end) return true;
    }
    return false;
  }
}
