// The grid's columns sideways: their widths, where each starts, the room each leaves for text, and the one
// constructed style sheet that sizes every cell of a column (resizing a column edits one rule, not every cell).

import type { ColumnMeta } from '../src/shared/resultsProtocol';
import { defaultColumnWidth, MIN_COLUMN_WIDTH, visibleColumns } from './gridGeometry';

/** A cell's horizontal padding and border (styles.css): its text has the column width less this. */
const CELL_CHROME_WIDTH = 17;

export class GridColumnLayout {
  private widthsPx: number[] = [];
  private lefts: number[] = [];
  /** Room for text in each column, px. */
  private room: number[] = [];
  // CSSOM (allowed by the CSP): cells sit side by side in their row (flex, not positioned: a positioned cell is a
  // paint layer of its own, and hundreds of them made every frame's paint and pre-paint slower).
  private readonly sheet = new CSSStyleSheet();

  constructor() {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
  }

  get widths(): readonly number[] {
    return this.widthsPx;
  }

  /** The columns' widths: those given (restored state) where valid, else each type's default. */
  reset(columns: readonly ColumnMeta[], widths?: readonly number[]): void {
    this.widthsPx = columns.map((c, i) => (widths && widths[i] >= MIN_COLUMN_WIDTH ? widths[i] : defaultColumnWidth(c)));
  }

  resize(column: number, width: number): void {
    this.widthsPx[column] = width;
  }

  widthOf(column: number): number {
    return this.widthsPx[column];
  }

  leftOf(column: number): number {
    return this.lefts[column] ?? 0;
  }

  textRoom(column: number): number {
    return this.room[column];
  }

  /** Columns within [left, right) sideways, plus one each side. */
  visible(left: number, right: number): { from: number; to: number } {
    return visibleColumns(left, right, this.lefts, this.widthsPx);
  }

  /** Writes the widths to the style sheet and sizes `elements` to the total; true when the room for text changed. */
  apply(header: HTMLElement, elements: readonly HTMLElement[]): boolean {
    header.style.gridTemplateColumns = this.widthsPx.map((w) => `${w}px`).join(' ');
    let left = 0;
    this.lefts = [];
    const rules = this.widthsPx.map((width, c) => {
      this.lefts.push(left);
      const rule = `.grid-cell.c${c}{width:${width}px}`;
      left += width;
      return rule;
    });
    this.sheet.replaceSync(rules.join('\n'));
    for (const element of [header, ...elements]) element.style.width = `${left}px`;
    const roomChanged = this.widthsPx.some((width, c) => this.room[c] !== width - CELL_CHROME_WIDTH) || this.room.length !== this.widthsPx.length;
    if (roomChanged) this.room = this.widthsPx.map((width) => width - CELL_CHROME_WIDTH);
    return roomChanged;
  }
}
