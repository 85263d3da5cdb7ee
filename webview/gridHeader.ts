// The grid's header row: one cell per column with its name, type and sort arrow; a click asks for a sort, and the
// handle at a cell's right edge resizes its column (one layout per frame while dragging).

import type { ColumnMeta, SortSpec } from '../src/shared/resultsProtocol';
import { isNumericType } from '../src/shared/resultsProtocol';
import { MIN_COLUMN_WIDTH } from './gridGeometry';

export interface GridHeaderCallbacks {
  onSortRequested(columnIndex: number): void;
  /** The column's width while its handle is dragged, at most once a frame. */
  onResize(columnIndex: number, width: number): void;
  /** The drag ended: the width is final. */
  onResizeEnd(): void;
}

/** Rebuilds `header`'s cells for `columns`; `widthOf` gives a column's width when a drag starts. */
export function buildGridHeader(
  header: HTMLElement,
  columns: readonly ColumnMeta[],
  sort: SortSpec | undefined,
  widthOf: (columnIndex: number) => number,
  callbacks: GridHeaderCallbacks,
): void {
  header.replaceChildren();
  columns.forEach((column, c) => {
    const cell = document.createElement('div');
    cell.className = isNumericType(column.type) ? 'grid-header-cell numeric' : 'grid-header-cell';
    cell.setAttribute('role', 'columnheader');
    cell.setAttribute('aria-colindex', String(c + 1));
    cell.title = `${column.name} (${column.type}): click to sort`;
    const name = document.createElement('span');
    name.className = 'column-name';
    name.textContent = column.name;
    const type = document.createElement('span');
    type.className = 'column-type';
    type.textContent = column.type;
    const indicator = document.createElement('span');
    indicator.className = 'sort-indicator';
    if (sort?.columnIndex === c) {
      indicator.textContent = sort.direction === 'asc' ? '▲' : '▼';
      cell.setAttribute('aria-sort', sort.direction === 'asc' ? 'ascending' : 'descending');
    } else {
      cell.setAttribute('aria-sort', 'none');
    }
    const handle = document.createElement('div');
    handle.className = 'resize-handle';
    handle.setAttribute('aria-hidden', 'true');
    handle.addEventListener('pointerdown', (e) => startResize(e, c, handle, widthOf(c), callbacks));
    handle.addEventListener('click', (e) => e.stopPropagation());
    cell.append(name, type, indicator, handle);
    cell.addEventListener('click', () => callbacks.onSortRequested(c));
    header.appendChild(cell);
  });
}

function startResize(event: PointerEvent, columnIndex: number, handle: HTMLElement, startWidth: number, callbacks: GridHeaderCallbacks): void {
  event.preventDefault();
  event.stopPropagation();
  const startX = event.clientX;
  handle.setPointerCapture(event.pointerId);
  let frame = 0;
  let width = startWidth;
  const move = (e: PointerEvent): void => {
    width = Math.max(MIN_COLUMN_WIDTH, Math.round(startWidth + e.clientX - startX));
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        callbacks.onResize(columnIndex, width);
      });
    }
  };
  const end = (): void => {
    handle.removeEventListener('pointermove', move);
    handle.removeEventListener('pointerup', end);
    handle.removeEventListener('pointercancel', end);
    if (frame) cancelAnimationFrame(frame);
    callbacks.onResize(columnIndex, width);
    callbacks.onResizeEnd();
  };
  handle.addEventListener('pointermove', move);
  handle.addEventListener('pointerup', end);
  handle.addEventListener('pointercancel', end);
}
