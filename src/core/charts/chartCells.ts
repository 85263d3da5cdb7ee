// The cells a chart reads, a block of rows at a time: some columns as chart numbers, some as the text the grid
// shows. Rows are parsed a block at a time from the result as kept (one JSON.parse per block is faster than
// decoding the cells from the bytes in script, measured on a 100,000-row timechart) and the block is let go.

import { ITERATION_BLOCK_ROWS, type KustoRows } from '../kusto/kustoRows';
import type { KustoColumn, KustoScalarType } from '../kusto/resultTypes';
import { cellText, chartNumber, type ChartNumber } from './chartValues';

/** A column read as chart numbers, as if its type were `as` (anomaly flags read as real, whatever their type). */
export interface NumberCells {
  readonly column: number;
  readonly as: KustoScalarType;
}

export interface CellBlock {
  readonly firstRow: number;
  readonly count: number;
  /** Per entry of `numbers`: the cell of each row of the block as a chart number (null where it has none). */
  readonly numbers: readonly (readonly (ChartNumber | null)[])[];
  /** Per entry of `texts`: the cell of each row as the grid shows it. */
  readonly texts: readonly (readonly string[])[];
}

/** Calls `visit` with each block of rows, its `numbers` and `texts` cells read. The arrays are reused per block. */
export function readChartCells(rows: KustoRows, columns: readonly KustoColumn[], numbers: readonly NumberCells[], texts: readonly number[], visit: (block: CellBlock) => void): void {
  const size = Math.min(rows.length, ITERATION_BLOCK_ROWS);
  const numberCells = numbers.map(() => new Array<ChartNumber | null>(size).fill(null));
  const textCells = texts.map(() => new Array<string>(size).fill(''));
  for (let start = 0; start < rows.length; start += ITERATION_BLOCK_ROWS) {
    const block = rows.slice(start, start + ITERATION_BLOCK_ROWS);
    for (let n = 0; n < numbers.length; n++) {
      const { column, as } = numbers[n];
      const cells = numberCells[n];
      for (let r = 0; r < block.length; r++) cells[r] = chartNumber(as, block[r][column]);
    }
    for (let t = 0; t < texts.length; t++) {
      const column = columns[texts[t]];
      const index = texts[t];
      const cells = textCells[t];
      for (let r = 0; r < block.length; r++) cells[r] = cellText(column, block[r][index]);
    }
    visit({ firstRow: start, count: block.length, numbers: numberCells, texts: textCells });
  }
}
