import assert from 'node:assert/strict';
import { MAX_SCROLL_HEIGHT, ROW_HEIGHT, scrollTopForRow, topRowFloat, visibleColumns } from '../../webview/gridGeometry';
import { gridKeyAction, type GridKeyState } from '../../webview/gridKeys';

describe('results grid: keys and geometry', () => {
  const at: GridKeyState = { row: 10, column: 2, rowCount: 1_000, columnCount: 5, page: 20, selectedRows: 1 };
  const key = (k: string, ctrl = false, shift = false) => gridKeyAction({ key: k, ctrl, shift }, at);

  it('moves the active cell as a spreadsheet does; Shift extends the selection only up and down', () => {
    assert.deepEqual(key('ArrowDown', false, true), { kind: 'move', row: 11, column: 2, extend: true });
    assert.deepEqual(key('ArrowRight', false, true), { kind: 'move', row: 10, column: 3, extend: false });
    assert.deepEqual(key('PageUp'), { kind: 'move', row: -10, column: 2, extend: false }, 'the grid clamps to the first row');
    assert.deepEqual(key('Home'), { kind: 'move', row: 10, column: 0, extend: false });
    assert.deepEqual(key('End', true, true), { kind: 'move', row: 999, column: 2, extend: true }, 'Ctrl+Shift+End selects to the last row');
    assert.deepEqual(key('End'), { kind: 'move', row: 10, column: 4, extend: false });
  });

  it('copies the cell, or rows when several are selected or with Shift; leaves plain letters to the page', () => {
    assert.deepEqual(key('c', true), { kind: 'copyCell' });
    assert.deepEqual(key('C', true, true), { kind: 'copyRows' });
    assert.deepEqual(gridKeyAction({ key: 'c', ctrl: true, shift: false }, { ...at, selectedRows: 3 }), { kind: 'copyRows' });
    assert.deepEqual(key('a', true), { kind: 'selectAll' });
    assert.equal(key('a'), undefined);
    assert.equal(key('c'), undefined);
    assert.equal(key('x', true), undefined);
  });

  it('maps scroll positions to rows exactly below the browser height cap and proportionally above it', () => {
    assert.equal(topRowFloat(ROW_HEIGHT * 500, 10_000, 600), 500);
    assert.equal(scrollTopForRow(500, 10_000, 600), ROW_HEIGHT * 500);
    const rows = 2_000_000; // 44M px of rows: more than an element can be tall
    const viewport = 600;
    for (const row of [0, 1, 123_456, 1_000_000, rows - viewport / ROW_HEIGHT]) {
      const top = scrollTopForRow(row, rows, viewport);
      assert.ok(top <= MAX_SCROLL_HEIGHT, 'every row is reachable within the capped height');
      assert.ok(Math.abs(topRowFloat(top, rows, viewport) - row) < 1e-6, `row ${row} comes back from its scroll position`);
    }
  });

  it('keeps text only in the columns in view sideways, plus one each side', () => {
    const widths = [100, 100, 100, 100, 100, 100];
    const lefts = [0, 100, 200, 300, 400, 500];
    assert.deepEqual(visibleColumns(250, 450, lefts, widths), { from: 1, to: 5 });
    assert.deepEqual(visibleColumns(0, 150, lefts, widths), { from: 0, to: 2 });
    assert.deepEqual(visibleColumns(0, 100, [], []), { from: 0, to: -1 });
  });
});
