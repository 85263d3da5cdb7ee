// Where rows and columns are for a scroll position: plain arithmetic over the grid's sizes, no DOM.

import type { ColumnMeta } from '../src/shared/resultsProtocol';

export const ROW_HEIGHT = 22;
export const MIN_COLUMN_WIDTH = 40;
// Browsers cap element heights (~33.5M px in Chromium); beyond this the scroll position maps proportionally to rows.
export const MAX_SCROLL_HEIGHT = 15_000_000;

export function defaultColumnWidth(column: ColumnMeta): number {
  const byType: Record<string, number> = { datetime: 220, timespan: 130, guid: 290, dynamic: 240, bool: 70, int: 90, long: 110, real: 110, decimal: 120 };
  const forType = byType[column.type] ?? 160;
  // Room for the bold name, the type label and the sort arrow.
  const forName = column.name.length * 8 + column.type.length * 7 + 44;
  return Math.min(400, Math.max(MIN_COLUMN_WIDTH, forType, forName));
}

/** True when the rows are more than the scroll height holds, so scroll positions map proportionally to rows. */
export function isScaled(rowCount: number): boolean {
  return rowCount * ROW_HEIGHT > MAX_SCROLL_HEIGHT;
}

/** The (fractional) row at the top of a viewport `viewport` px high scrolled to `scrollTop`. */
export function topRowFloat(scrollTop: number, rowCount: number, viewport: number): number {
  if (!isScaled(rowCount)) {
    return scrollTop / ROW_HEIGHT;
  }
  const scrollRange = Math.max(1, MAX_SCROLL_HEIGHT - viewport);
  const rowRange = Math.max(0, rowCount - viewport / ROW_HEIGHT);
  return (Math.min(scrollTop, scrollRange) / scrollRange) * rowRange;
}

/** The scroll position that puts `position` at the top of the viewport. */
export function scrollTopForRow(position: number, rowCount: number, viewport: number): number {
  if (!isScaled(rowCount)) {
    return position * ROW_HEIGHT;
  }
  const scrollRange = Math.max(1, MAX_SCROLL_HEIGHT - viewport);
  const rowRange = Math.max(1, rowCount - viewport / ROW_HEIGHT);
  return (position / rowRange) * scrollRange;
}

/** Columns within [left, right) sideways, plus one each side: cells outside them hold no text. */
export function visibleColumns(left: number, right: number, columnLefts: readonly number[], widths: readonly number[]): { from: number; to: number } {
  const count = widths.length;
  if (count === 0) return { from: 0, to: -1 };
  let from = 0;
  while (from < count - 1 && columnLefts[from] + widths[from] <= left) from++;
  let to = from;
  while (to < count - 1 && columnLefts[to + 1] < right) to++;
  return { from: Math.max(0, from - 1), to: Math.min(count - 1, to + 1) };
}
