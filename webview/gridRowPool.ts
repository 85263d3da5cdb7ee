// The grid's pooled row elements (created once, reused while scrolling) and the check of whether a cell's text fits
// without clipping.

import type { CellText, ColumnMeta } from '../src/shared/resultsProtocol';
import { isNumericType } from '../src/shared/resultsProtocol';

/** Text that lays out as one line of simple glyphs (printable Latin, no tabs or line breaks), whose width is at most
 * its length times the widest glyph. Anything else may overflow however short it is. */
const SIMPLE_TEXT = /^[\u0020-\u007e\u00a0-\u024f]*$/;

export interface PooledRow {
  readonly element: HTMLDivElement;
  readonly cells: HTMLDivElement[];
  /** One text node per cell, created once: changing its data relayouts only that text, where replacing the
   * node (textContent) removes and adds layout objects in every cell written. */
  readonly texts: Text[];
  /** What each cell shows, kept here so rendering never reads the DOM. */
  readonly shownText: string[];
  readonly shownNull: boolean[];
  /** Cells that clip their text (class clip): only those whose text may not fit. */
  readonly shownClip: boolean[];
  shownPosition: number;
  shownData: readonly CellText[] | undefined;
  shownHidden: boolean;
  shownSelected: boolean;
  shownActiveColumn: number;
  shownY: number;
  /** Columns whose cells hold text. */
  shownFrom: number;
  shownTo: number;
}

/** A row element with one hidden, empty cell per column (the grid shows the cells in view). */
export function createPooledRow(columns: readonly ColumnMeta[]): PooledRow {
  const element = document.createElement('div');
  element.className = 'grid-row';
  element.setAttribute('role', 'row');
  const cells: HTMLDivElement[] = [];
  const texts: Text[] = [];
  columns.forEach((column, c) => {
    const cell = document.createElement('div');
    cell.className = isNumericType(column.type) ? `grid-cell c${c} numeric` : `grid-cell c${c}`;
    cell.setAttribute('role', 'gridcell');
    // Cells out of view sideways are hidden: the index tells assistive technology which column a cell is.
    cell.setAttribute('aria-colindex', String(c + 1));
    cell.hidden = true;
    cell.dataset.column = String(c);
    const text = document.createTextNode('');
    cell.appendChild(text);
    cells.push(cell);
    texts.push(text);
    element.appendChild(cell);
  });
  return {
    element,
    cells,
    texts,
    shownText: texts.map(() => ''),
    shownNull: texts.map(() => false),
    shownClip: texts.map(() => false),
    shownPosition: -2,
    shownData: undefined,
    shownHidden: false,
    shownSelected: false,
    shownActiveColumn: -1,
    shownY: NaN,
    shownFrom: 0,
    shownTo: -1,
  };
}

/** True when `text` surely fits in `room` px of a font whose glyphs are at most `glyphBound` px wide (0: unknown). */
export function textFits(text: string, glyphBound: number, room: number): boolean {
  return text.length === 0 || (glyphBound > 0 && text.length * glyphBound <= room && SIMPLE_TEXT.test(text));
}

/**
 * The widest glyph of `element`'s font, measured on a canvas (no layout): for a monospace font the advance itself,
 * otherwise a bound that no printable Latin glyph exceeds. Undefined when no canvas context is available.
 */
export function measureGlyphBound(element: HTMLElement): number | undefined {
  const style = getComputedStyle(element);
  const context = document.createElement('canvas').getContext('2d');
  if (!context) return undefined;
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const widths = ['0', 'i', 'W', 'm', '.'].map((glyph) => context.measureText(glyph).width);
  const widest = Math.max(...widths);
  const monospace = widest - Math.min(...widths) < 0.01;
  const fontSize = Number.parseFloat(style.fontSize) || 12;
  // Italic (null) and bold glyphs can be a little wider: a small margin keeps the bound safe.
  return monospace ? widest * 1.02 : Math.max(widest, ...['@', '%', 'M', 'Æ', 'Œ'].map((glyph) => context.measureText(glyph).width), fontSize) * 1.05;
}
