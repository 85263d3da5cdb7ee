// A virtualized grid: a fixed pool of row elements (the visible rows plus a small overscan) is reused while the
// user scrolls over a spacer as tall as the whole result. Cells are written with textContent only, so data can
// never become markup. Rows come from a RowSource that fetches them by page. This file is the virtualizer (which
// rows to write where, per frame); the columns' widths are gridColumns.ts, the header gridHeader.ts, the active cell
// and selection under keyboard and mouse gridCursor.ts, the pooled row elements gridRowPool.ts.

import type { CellText, ColumnMeta, RowRange, SortSpec } from '../src/shared/resultsProtocol';
import { GridColumnLayout } from './gridColumns';
import { GridCursor } from './gridCursor';
import { isScaled, MAX_SCROLL_HEIGHT, ROW_HEIGHT, scrollTopForRow, topRowFloat } from './gridGeometry';
import { buildGridHeader } from './gridHeader';
import { createPooledRow, measureGlyphBound, textFits, type PooledRow } from './gridRowPool';
import type { RowSelection } from './selection';

/** Height of the sticky header row; styles.css sets the same, so the grid never measures it (no forced layout). */
const HEADER_HEIGHT = 24;
/** Rows rendered beyond the viewport, split between behind and ahead of the scroll direction. */
const SPARE_ROWS = 28;
/** Rows kept behind the scroll direction however fast it goes (a small scroll back shows them at once). */
const MIN_ROWS_BEHIND = 2;
/** Ahead of the scroll: one frame's worth of rows (the grid renders on the scroll event, a frame after the
 * compositor moved) plus this margin for a fling speeding up. */
const AHEAD_MARGIN_ROWS = 6;
/** Row pages are asked for this many frames of scrolling ahead (at least a page), so they arrive before they come
 * into view: a page takes a few frames to come back from the extension host. */
const PREFETCH_FRAMES = 15;
const MIN_PREFETCH_ROWS = 100;
/** Rows written per frame at most: this many, or the rows a frame of the current scroll brings into view and a few
 * more. The rows in view come first, then those coming into view, then the spare rows ahead and behind, nearest
 * first; the rest are written on the next frames. A fling of 20 rows a frame writes what it brings into view; a jump
 * writes the ~40 rows in view over three frames (blank until then, as they are until their page arrives) and the
 * spare rows after them, where writing the whole pool in one frame took two frames' time. A row not written yet
 * keeps its old position, out of view. */
const MIN_ROWS_PER_FRAME = 16;
const EXTRA_ROWS_PER_FRAME = 4;
/** With more rows than MAX_SCROLL_HEIGHT holds, rows are placed relative to an anchor row kept while the rows
 * rendered stay within this many rows of it (offsets up to ~180,000 px, exact in floating point). */
const ANCHOR_SPAN_ROWS = 8192;

export interface RowSource {
  getRow(position: number): readonly CellText[] | undefined;
  ensure(start: number, end: number): void;
}

export interface GridCallbacks {
  onSortRequested(columnIndex: number): void;
  onCellActivated(position: number, columnIndex: number): void;
  onCopyCell(text: CellText): void;
  onCopyRows(ranges: readonly RowRange[]): void;
  onViewStateChanged(): void;
}

export class VirtualGrid {
  readonly element: HTMLDivElement;
  /** The active cell and the selected rows, moved by keyboard and mouse (gridCursor.ts). */
  private readonly cursor: GridCursor;
  /** Column widths and where each column starts (gridColumns.ts). */
  private readonly layout = new GridColumnLayout();
  private readonly header: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly rowsLayer: HTMLDivElement;
  private pool: PooledRow[] = [];
  private columns: readonly ColumnMeta[] = [];
  private rowCount = 0;
  private sort: SortSpec | undefined;
  private renderScheduled = false;
  /** Where the last render put the top row, which way the user scrolls and how many rows a frame: the rows
   * rendered and fetched ahead follow the scroll. */
  private lastTopRow = NaN;
  private scrollDirection = 1;
  private rowsPerFrame = 0;
  private rowsAhead = SPARE_ROWS / 2;
  private layerOffset = NaN;
  /** The row at the rows layer's origin (0 unless the scroll position maps proportionally to rows). */
  private anchorRow = NaN;
  /** Rows the current render may still write, and whether it left some for the next frame. */
  private rowBudget = 0;
  private budgetFrameTime: CSSNumberish | null = null;
  private rowsDeferred = false;
  private mappedPoolSize = 0;
  private observedHeight: number | undefined;
  private observedWidth: number | undefined;
  private scrollWhenShown: { top: number; left: number } | undefined;
  /** An upper bound of one glyph's advance in the grid's font, px (0 until measured: every cell clips). */
  private glyphBound = 0;

  constructor(
    private readonly source: RowSource,
    private readonly callbacks: GridCallbacks,
  ) {
    this.element = document.createElement('div');
    this.element.className = 'grid';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-multiselectable', 'true');
    this.header = document.createElement('div');
    this.header.className = 'grid-header';
    this.header.setAttribute('role', 'row');
    this.spacer = document.createElement('div');
    this.spacer.className = 'grid-spacer';
    this.rowsLayer = document.createElement('div');
    this.rowsLayer.className = 'grid-rows';
    this.rowsLayer.setAttribute('role', 'rowgroup');
    this.element.append(this.header, this.spacer, this.rowsLayer);
    this.cursor = new GridCursor(
      {
        rowCount: () => this.rowCount,
        columnCount: () => this.columns.length,
        pageRows: () => Math.max(1, Math.floor(this.viewportHeight / ROW_HEIGHT) - 1),
        cellText: (position, column) => this.source.getRow(position)?.[column],
        scrollIntoView: (position, column) => this.scrollIntoView(position, column),
        render: () => this.render(),
        focus: () => this.focus(),
      },
      callbacks,
    );

    this.element.addEventListener('scroll', () => {
      this.render();
      this.callbacks.onViewStateChanged();
    });
    this.element.addEventListener('keydown', (e) => this.cursor.onKeyDown(e));
    this.rowsLayer.addEventListener('mousedown', (e) => this.onRowMouseDown(e));
    this.rowsLayer.addEventListener('dblclick', (e) => {
      const hit = this.hitTest(e);
      if (hit) this.callbacks.onCellActivated(hit.position, hit.column);
    });
    // The viewport height is observed, never read during render: reading it would force a synchronous layout.
    new ResizeObserver((entries) => {
      const rect = entries[entries.length - 1]?.contentRect;
      if (rect && (rect.height !== this.observedHeight || rect.width !== this.observedWidth)) {
        this.observedHeight = rect.height;
        this.observedWidth = rect.width;
        if (this.scrollWhenShown && rect.height > 0) this.scrollTo(this.scrollWhenShown.top, this.scrollWhenShown.left);
        else this.render();
      }
    }).observe(this.element);
    // VS Code sets the editor font (and theme) as CSS variables on <html>: measure the glyphs again when they change.
    new MutationObserver(() => {
      if (this.element.isConnected) this.measureGlyphs();
    }).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }

  /** Shows a table: columns, total rows and the sort indicator; keeps widths given (restored state). */
  setTable(columns: readonly ColumnMeta[], rowCount: number, sort: SortSpec | undefined, widths?: readonly number[]): void {
    this.columns = columns;
    this.layout.reset(columns, widths);
    this.sort = sort;
    this.cursor.reset();
    this.element.setAttribute('aria-colcount', String(columns.length));
    if (this.glyphBound === 0 && this.element.isConnected) this.measureGlyphs();
    this.buildHeader();
    for (const row of this.pool) row.element.remove();
    this.pool = [];
    this.setRowCount(rowCount);
  }

  setRowCount(rowCount: number): void {
    this.rowCount = rowCount;
    this.element.setAttribute('aria-rowcount', String(rowCount + 1));
    this.cursor.clampTo(rowCount);
    this.spacer.style.height = `${Math.min(rowCount * ROW_HEIGHT, MAX_SCROLL_HEIGHT)}px`;
    this.applyWidths();
    this.render();
  }

  get columnWidths(): readonly number[] {
    return this.layout.widths;
  }

  get selection(): RowSelection {
    return this.cursor.selection;
  }

  get scrollTop(): number {
    return this.scrollWhenShown?.top ?? this.element.scrollTop;
  }

  get scrollLeft(): number {
    return this.scrollWhenShown?.left ?? this.element.scrollLeft;
  }

  scrollTo(top: number, left: number): void {
    // A hidden grid has no box to scroll (and setting it would force a layout): it scrolls there when shown.
    if (this.observedHeight === 0) {
      this.scrollWhenShown = { top, left };
      return;
    }
    this.scrollWhenShown = undefined;
    this.element.scrollTop = top;
    this.element.scrollLeft = left;
    this.render();
  }

  /** Re-renders on the next frame (new rows arrived). Several arrivals in one frame render once. */
  scheduleRender(): void {
    if (this.renderScheduled) return;
    this.renderScheduled = true;
    requestAnimationFrame(() => {
      this.renderScheduled = false;
      this.render();
    });
  }

  focus(): void {
    this.element.focus({ preventScroll: true });
  }

  private get viewportHeight(): number {
    const height = this.observedHeight ?? window.innerHeight;
    return Math.max(0, height - HEADER_HEIGHT);
  }

  /** The (fractional) row shown at the top of the viewport for the current scroll position. */
  private topRowFloat(): number {
    return topRowFloat(this.element.scrollTop, this.rowCount, this.viewportHeight);
  }

  /** Columns within the viewport sideways, plus one each side: cells outside them hold no text. */
  private visibleColumns(): { from: number; to: number } {
    const left = this.element.scrollLeft;
    return this.layout.visible(left, left + (this.observedWidth ?? window.innerWidth));
  }

  render(): void {
    // A hidden grid (the tab shows its chart) has nothing to show: rendering would only force a layout of the page.
    // It renders when shown again, as its size is observed.
    if (this.observedHeight === 0) return;
    const viewport = this.viewportHeight;
    const visibleRows = Math.ceil(viewport / ROW_HEIGHT) + 1;
    const topFloat = this.topRowFloat();
    const top = Math.floor(topFloat);
    const size = Math.min(this.rowCount, visibleRows + SPARE_ROWS);
    const remapped = this.ensurePool(size);
    this.followScroll(top, size);
    const rowsBehind = SPARE_ROWS - this.rowsAhead;
    const wanted = this.scrollDirection > 0 ? top - rowsBehind : top - this.rowsAhead;
    const first = Math.max(0, Math.min(wanted, this.rowCount - size));
    const last = Math.min(this.rowCount, first + size);
    // The rows rendered first, so a jump asks for what is in view before what lies ahead.
    this.source.ensure(first, last);
    const prefetch = Math.max(MIN_PREFETCH_ROWS, this.rowsPerFrame * PREFETCH_FRAMES);
    if (this.scrollDirection > 0) this.source.ensure(last, Math.min(this.rowCount, last + prefetch));
    else this.source.ensure(Math.max(0, first - prefetch), first);

    // Rows are placed by transform. Up to MAX_SCROLL_HEIGHT a row's place is simply position × height, so rows
    // that stay in view never change; beyond it the layer follows the scroll and rows sit relative to an anchor
    // row that moves only when the rows rendered get far from it: rows that stay in view keep their transform, and
    // a frame changes one composited transform (the layer's) instead of restyling and repainting every row.
    const scaled = isScaled(this.rowCount);
    if (!scaled) this.anchorRow = 0;
    else if (!(first >= this.anchorRow && last <= this.anchorRow + ANCHOR_SPAN_ROWS)) this.anchorRow = Math.max(0, first - Math.floor((ANCHOR_SPAN_ROWS - size) / 2));
    const layerOffset = scaled ? this.element.scrollTop - (topFloat - this.anchorRow) * ROW_HEIGHT : 0;
    if (layerOffset !== this.layerOffset) {
      this.layerOffset = layerOffset;
      this.rowsLayer.style.transform = `translateY(${layerOffset}px)`;
    }

    // Each position always uses the same pooled row (position mod pool size): scrolling by a few rows rewrites
    // only the rows that came into view, the rest keep their text and need no layout.
    // A budget of rows written per frame, in this order: in view, coming into view next, ahead, behind.
    const inViewFrom = Math.max(first, top);
    const inViewTo = Math.min(last, top + visibleRows);
    const step = this.scrollDirection > 0 ? 1 : -1;
    const { from, to } = this.visibleColumns();
    // One budget per frame, shared by the renders in it (the scroll event's and a scheduled one): the document
    // timeline's time is the frame's and stays the same through it.
    const frameTime = document.timeline.currentTime;
    if (frameTime !== this.budgetFrameTime || frameTime === null) {
      this.budgetFrameTime = frameTime;
      this.rowBudget = Math.max(MIN_ROWS_PER_FRAME, this.rowsPerFrame + EXTRA_ROWS_PER_FRAME);
    }
    if (remapped) this.rowBudget = size;
    this.rowsDeferred = false;
    // While the user scrolls (not after a jump) the rows in view and those the compositor may scroll into view
    // before the next render are all written, budget or not: a fling speeding up or a late frame must not show
    // blank rows that writing them would have avoided.
    const scrolling = this.rowsPerFrame > 0;
    for (let position = inViewFrom; position < inViewTo; position++) this.renderRow(position, size, from, to, scrolling);
    const aheadFrom = this.scrollDirection > 0 ? inViewTo : inViewFrom - 1;
    const comingIntoView = this.rowsPerFrame + 1;
    for (let position = aheadFrom; position >= first && position < last; position += step) {
      this.renderRow(position, size, from, to, scrolling && Math.abs(position - aheadFrom) < comingIntoView);
    }
    const behindFrom = this.scrollDirection > 0 ? inViewFrom - 1 : inViewTo;
    for (let position = behindFrom; position >= first && position < last; position -= step) this.renderRow(position, size, from, to);
    // Fewer rows than the pool (a short result): the rows past the end are hidden.
    for (let position = last; position < first + size; position++) {
      const pooled = this.pool[position % size];
      if (!pooled.shownHidden) {
        pooled.shownHidden = true;
        pooled.element.hidden = true;
        pooled.shownPosition = -1;
        pooled.shownData = undefined;
      }
    }
    if (this.rowsDeferred) this.scheduleRender();
  }

  /** Writes the pooled row for `position` if it shows anything else, while the frame's budget lasts or `exempt`
   * (a row left for later keeps its old position, out of view, in its old place). */
  private renderRow(position: number, size: number, from: number, to: number, exempt = false): void {
    const pooled = this.pool[position % size];
    const data = this.source.getRow(position);
    const sameRow = pooled.shownPosition === position && pooled.shownData === data;
    if (!sameRow || pooled.shownFrom !== from || pooled.shownTo !== to) {
      if (this.rowBudget <= 0 && !exempt) {
        this.rowsDeferred = true;
        this.placeRow(pooled, pooled.shownPosition);
        return;
      }
      this.rowBudget--;
      if (!sameRow) {
        if (pooled.shownHidden) {
          pooled.shownHidden = false;
          pooled.element.hidden = false;
        }
        if (pooled.shownPosition !== position) pooled.element.setAttribute('aria-rowindex', String(position + 2));
        // aria-busy (no style depends on it) rather than a class: a class change would restyle the whole row.
        if ((data === undefined) !== (pooled.shownData === undefined) || pooled.shownPosition < 0) {
          if (data === undefined) pooled.element.setAttribute('aria-busy', 'true');
          else pooled.element.removeAttribute('aria-busy');
        }
      }
      // Only the cells of the columns in view take part in layout (text layout is what a frame costs): the
      // others are hidden and empty, so a rewritten row lays out ~10 cells, not all 20 or more.
      for (let c = pooled.shownFrom; c <= pooled.shownTo; c++) {
        if (c < from || c > to) {
          this.writeCell(pooled, c, '');
          pooled.cells[c].hidden = true;
        }
      }
      for (let c = from; c <= to; c++) {
        const wasShown = c >= pooled.shownFrom && c <= pooled.shownTo;
        if (!wasShown) pooled.cells[c].hidden = false;
        if (sameRow && wasShown) continue;
        this.writeCell(pooled, c, data ? data[c] : '');
      }
      pooled.shownPosition = position;
      pooled.shownData = data;
      // The hidden cells left of the view take no room: the row's padding does.
      if (pooled.shownFrom !== from) pooled.element.style.paddingLeft = `${this.layout.leftOf(from)}px`;
      pooled.shownFrom = from;
      pooled.shownTo = to;
    }
    this.placeRow(pooled, position);
    // Touch selection and focus only where they changed: style recalculation is the cost of a frame.
    const selected = this.cursor.selection.has(position);
    if (pooled.shownSelected !== selected) {
      pooled.shownSelected = selected;
      pooled.element.classList.toggle('selected', selected);
      pooled.element.setAttribute('aria-selected', String(selected));
    }
    const activeColumn = position === this.cursor.row ? this.cursor.column : -1;
    if (pooled.shownActiveColumn !== activeColumn) {
      pooled.cells[pooled.shownActiveColumn]?.classList.remove('active');
      pooled.cells[activeColumn]?.classList.add('active');
      pooled.shownActiveColumn = activeColumn;
    }
  }

  private placeRow(pooled: PooledRow, position: number): void {
    if (position < 0) return;
    const y = (position - this.anchorRow) * ROW_HEIGHT;
    if (pooled.shownY !== y) {
      pooled.shownY = y;
      pooled.element.style.transform = `translateY(${y}px)`;
    }
  }

  /** Learns the scroll direction and speed from how far the top row moved since the last render, and splits the
   * spare rows so most lie ahead: at fling speed a frame brings a whole frame's worth of new rows into view. */
  private followScroll(top: number, poolSize: number): void {
    const moved = top - this.lastTopRow;
    this.lastTopRow = top;
    if (moved === 0 || Number.isNaN(moved)) return; // a re-render, or the first render: keep what was learnt
    if (Math.abs(moved) >= poolSize) {
      // A jump (scrollbar drag, Ctrl+End): every row is new anyway; its size says nothing about the next frame.
      this.scrollDirection = Math.sign(moved);
      this.rowsPerFrame = 0;
      return;
    }
    this.scrollDirection = Math.sign(moved);
    this.rowsPerFrame = Math.abs(moved);
    this.rowsAhead = Math.min(SPARE_ROWS - MIN_ROWS_BEHIND, Math.max(SPARE_ROWS / 2, this.rowsPerFrame + AHEAD_MARGIN_ROWS));
  }

  private writeCell(row: PooledRow, column: number, value: CellText | undefined): void {
    const isNull = value === null;
    const text = isNull ? 'null' : (value ?? '');
    if (row.shownText[column] !== text) {
      row.shownText[column] = text;
      row.texts[column].data = text;
      this.updateClip(row, column);
    }
    if (row.shownNull[column] !== isNull) {
      row.shownNull[column] = isNull;
      row.cells[column].classList.toggle('null', isNull);
    }
  }

  /** Clips a cell only when its text may not fit: a clip is a paint property node of its own, and hundreds of
   * them (every cell in view) made each frame's layerization cost milliseconds. */
  private updateClip(row: PooledRow, column: number): void {
    const text = row.shownText[column];
    const fits = textFits(text, this.glyphBound, this.layout.textRoom(column));
    if (row.shownClip[column] !== !fits) {
      row.shownClip[column] = !fits;
      row.cells[column].classList.toggle('clip', !fits);
    }
  }

  /** Measures the grid font's widest glyph again (the font or theme changed); re-clips when it differs. */
  private measureGlyphs(): void {
    const bound = measureGlyphBound(this.element);
    if (bound === undefined || bound === this.glyphBound) return;
    this.glyphBound = bound;
    this.refreshClips();
  }

  private refreshClips(): void {
    for (const row of this.pool) {
      for (let c = 0; c < row.cells.length; c++) this.updateClip(row, c);
    }
  }

  /** Sizes the pool; true when the position → row mapping changed, so every row must be written now. */
  private ensurePool(size: number): boolean {
    while (this.pool.length < size) {
      const row = createPooledRow(this.columns);
      this.rowsLayer.appendChild(row.element);
      this.pool.push(row);
    }
    while (this.pool.length > size) {
      this.pool.pop()?.element.remove();
    }
    if (this.pool.length !== this.mappedPoolSize) {
      // The position → row mapping depends on the pool size: redraw every row once.
      this.mappedPoolSize = this.pool.length;
      for (const row of this.pool) {
        row.shownPosition = -2;
        row.shownY = NaN;
      }
      return true;
    }
    return false;
  }

  private applyWidths(): void {
    const roomChanged = this.layout.apply(this.header, [this.spacer, this.rowsLayer]);
    for (const row of this.pool) {
      if (row.shownFrom > 0) row.element.style.paddingLeft = `${this.layout.leftOf(row.shownFrom)}px`;
    }
    if (roomChanged) this.refreshClips();
  }

  private buildHeader(): void {
    buildGridHeader(this.header, this.columns, this.sort, (c) => this.layout.widthOf(c), {
      onSortRequested: (c) => this.callbacks.onSortRequested(c),
      onResize: (c, width) => {
        this.layout.resize(c, width);
        this.applyWidths();
      },
      onResizeEnd: () => this.callbacks.onViewStateChanged(),
    });
  }

  private hitTest(event: MouseEvent): { position: number; column: number } | undefined {
    const target = event.target as HTMLElement | null;
    const cell = target?.closest<HTMLElement>('.grid-cell');
    const row = cell?.parentElement;
    if (!cell || !row) return undefined;
    const pooled = this.pool.find((p) => p.element === row);
    if (!pooled || pooled.shownPosition < 0) return undefined;
    return { position: pooled.shownPosition, column: Number(cell.dataset.column) };
  }

  private onRowMouseDown(event: MouseEvent): void {
    if (event.button !== 0) return;
    const hit = this.hitTest(event);
    if (hit) this.cursor.onMouseDown(event, hit);
  }

  private scrollIntoView(position: number, column: number): void {
    const viewportRows = Math.max(1, Math.floor(this.viewportHeight / ROW_HEIGHT));
    const top = this.topRowFloat();
    if (position < top) {
      this.element.scrollTop = scrollTopForRow(position, this.rowCount, this.viewportHeight);
    } else if (position >= top + viewportRows) {
      this.element.scrollTop = scrollTopForRow(position - viewportRows + 1, this.rowCount, this.viewportHeight);
    }
    const widths = this.layout.widths;
    const left = widths.slice(0, column).reduce((a, b) => a + b, 0);
    const right = left + widths[column];
    if (left < this.element.scrollLeft) {
      this.element.scrollLeft = left;
    } else if (right > this.element.scrollLeft + this.element.clientWidth) {
      this.element.scrollLeft = right - this.element.clientWidth;
    }
  }
}
