// The grid's active cell and row selection, and what the keyboard and mouse do to them: arrows, Page Up/Down,
// Home/End (with Ctrl and Shift), Enter, Ctrl+A, Ctrl+C; click, shift-click and ctrl-click. The grid draws them.

import type { CellText, RowRange } from '../src/shared/resultsProtocol';
import { gridKeyAction } from './gridKeys';
import { RowSelection } from './selection';

/** What the cursor needs of the grid it moves in. */
export interface GridCursorHost {
  rowCount(): number;
  columnCount(): number;
  /** Rows a Page Up / Page Down moves. */
  pageRows(): number;
  cellText(position: number, column: number): CellText | undefined;
  scrollIntoView(position: number, column: number): void;
  render(): void;
  focus(): void;
}

export interface GridCursorCallbacks {
  onCellActivated(position: number, columnIndex: number): void;
  onCopyCell(text: CellText): void;
  onCopyRows(ranges: readonly RowRange[]): void;
}

export class GridCursor {
  readonly selection = new RowSelection();
  private activeRow = 0;
  private activeColumn = 0;

  constructor(
    private readonly host: GridCursorHost,
    private readonly callbacks: GridCursorCallbacks,
  ) {}

  get row(): number {
    return this.activeRow;
  }

  get column(): number {
    return this.activeColumn;
  }

  /** A new table: nothing selected, the first cell active. */
  reset(): void {
    this.selection.clear();
    this.activeRow = 0;
    this.activeColumn = 0;
  }

  /** The table now has `rowCount` rows: the active row stays within them. */
  clampTo(rowCount: number): void {
    this.activeRow = Math.min(this.activeRow, Math.max(0, rowCount - 1));
  }

  /** A left click on a cell: select it (shift extends, ctrl toggles) and make it active. */
  onMouseDown(event: MouseEvent, hit: { position: number; column: number }): void {
    if (event.shiftKey) {
      this.selection.extendTo(hit.position, event.ctrlKey || event.metaKey);
      if (!event.ctrlKey && !event.metaKey) event.preventDefault(); // no text selection on shift-click
    } else if (event.ctrlKey || event.metaKey) {
      this.selection.toggle(hit.position);
    } else {
      this.selection.selectOnly(hit.position);
    }
    this.activeRow = hit.position;
    this.activeColumn = hit.column;
    this.host.focus();
    this.host.render();
  }

  onKeyDown(event: KeyboardEvent): void {
    const action = gridKeyAction(
      { key: event.key, ctrl: event.ctrlKey || event.metaKey, shift: event.shiftKey },
      {
        row: this.activeRow,
        column: this.activeColumn,
        rowCount: this.host.rowCount(),
        columnCount: this.host.columnCount(),
        page: this.host.pageRows(),
        selectedRows: this.selection.count,
      },
    );
    if (!action) return;
    switch (action.kind) {
      case 'move':
        this.moveTo(action.row, action.column, action.extend);
        break;
      case 'activate':
        this.callbacks.onCellActivated(this.activeRow, this.activeColumn);
        break;
      case 'selectAll':
        this.selection.selectAll(this.host.rowCount());
        this.host.render();
        break;
      case 'copyRows':
        this.callbacks.onCopyRows(this.selection.count > 0 ? this.selection.selectedRanges : [{ start: this.activeRow, end: this.activeRow + 1 }]);
        break;
      case 'copyCell': {
        const text = this.host.cellText(this.activeRow, this.activeColumn);
        if (text !== undefined) this.callbacks.onCopyCell(text);
        break;
      }
    }
    event.preventDefault();
    event.stopPropagation();
  }

  private moveTo(row: number, column: number, extend: boolean): void {
    if (this.host.rowCount() === 0) return;
    this.activeRow = Math.max(0, Math.min(this.host.rowCount() - 1, row));
    this.activeColumn = Math.max(0, Math.min(this.host.columnCount() - 1, column));
    if (extend) {
      this.selection.extendTo(this.activeRow);
    } else {
      this.selection.selectOnly(this.activeRow);
    }
    this.host.scrollIntoView(this.activeRow, this.activeColumn);
    this.host.render();
  }
}
