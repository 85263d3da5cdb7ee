// What a key press in the grid means, decided from the key and where the active cell is; the grid carries it out.

export interface GridKeyState {
  readonly row: number;
  readonly column: number;
  readonly rowCount: number;
  readonly columnCount: number;
  /** Rows a Page Up / Page Down moves. */
  readonly page: number;
  readonly selectedRows: number;
}

export interface GridKey {
  readonly key: string;
  readonly ctrl: boolean;
  readonly shift: boolean;
}

export type GridKeyAction =
  | { readonly kind: 'move'; readonly row: number; readonly column: number; readonly extend: boolean }
  | { readonly kind: 'activate' }
  | { readonly kind: 'selectAll' }
  /** Several rows selected (or Ctrl+Shift+C): the rows as TSV with their header. */
  | { readonly kind: 'copyRows' }
  | { readonly kind: 'copyCell' };

/** The action of a key, or undefined when the grid leaves the key to the page. */
export function gridKeyAction({ key, ctrl, shift }: GridKey, state: GridKeyState): GridKeyAction | undefined {
  const { row, column } = state;
  const move = (toRow: number, toColumn: number, extend: boolean): GridKeyAction => ({ kind: 'move', row: toRow, column: toColumn, extend });
  switch (key) {
    case 'ArrowDown':
      return move(row + 1, column, shift);
    case 'ArrowUp':
      return move(row - 1, column, shift);
    case 'ArrowRight':
      return move(row, column + 1, false);
    case 'ArrowLeft':
      return move(row, column - 1, false);
    case 'PageDown':
      return move(row + state.page, column, shift);
    case 'PageUp':
      return move(row - state.page, column, shift);
    case 'Home':
      return move(ctrl ? 0 : row, ctrl ? column : 0, shift && ctrl);
    case 'End':
      return move(ctrl ? state.rowCount - 1 : row, ctrl ? column : state.columnCount - 1, shift && ctrl);
    case 'Enter':
      return { kind: 'activate' };
    case 'a':
      return ctrl ? { kind: 'selectAll' } : undefined;
    case 'c':
    case 'C':
      if (!ctrl) return undefined;
      return shift || state.selectedRows > 1 ? { kind: 'copyRows' } : { kind: 'copyCell' };
    default:
      return undefined;
  }
}
