// Pages of formatted rows of the current view, fetched from the extension as the grid needs them and kept in a
// least-recently-used cache; the page never holds the whole result.

import type { CellText, ViewSpec } from '../src/shared/resultsProtocol';
import { viewKey } from '../src/shared/resultsProtocol';

export const PAGE_SIZE = 100;
const MAX_CACHED_PAGES = 200;
/** Pages per request at most: each answer is handled in one task of the page, so big answers would cost a frame. */
const MAX_PAGES_PER_REQUEST = 2;

export type RowRequester = (view: ViewSpec, requestId: number, start: number, count: number) => void;

export class RowCache {
  private pages = new Map<number, readonly (readonly CellText[])[]>();
  private pending = new Map<number, { key: string; firstPage: number; pageCount: number }>();
  private pendingPages = new Set<number>();
  private nextRequestId = 1;
  private key = '';
  private view: ViewSpec = { tableIndex: 0 };

  constructor(private readonly request: RowRequester) {}

  /** Switches to another view (tab, sort or filter): cached pages of the old view no longer apply. */
  setView(view: ViewSpec): void {
    this.view = view;
    this.key = viewKey(view);
    this.pages.clear();
    this.pending.clear();
    this.pendingPages.clear();
  }

  /** Forgets the pages from the one holding `position` on: a table still streaming may have sent them short. */
  forgetFrom(position: number): void {
    const firstPage = Math.floor(position / PAGE_SIZE);
    for (const page of [...this.pages.keys()]) {
      if (page >= firstPage) this.pages.delete(page);
    }
  }

  get currentView(): ViewSpec {
    return this.view;
  }

  getRow(position: number): readonly CellText[] | undefined {
    const page = this.pages.get(Math.floor(position / PAGE_SIZE));
    return page?.[position % PAGE_SIZE];
  }

  /** Asks for the pages covering [start, end) that are neither cached nor already asked for. */
  ensure(start: number, end: number): void {
    if (end <= start) return;
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.floor((end - 1) / PAGE_SIZE);
    let runStart = -1;
    for (let page = first; page <= last + 1; page++) {
      const missing = page <= last && !this.pages.has(page) && !this.pendingPages.has(page);
      if (runStart >= 0 && (!missing || page - runStart === MAX_PAGES_PER_REQUEST)) {
        this.requestPages(runStart, page - runStart);
        runStart = -1;
      }
      if (missing && runStart < 0) runStart = page;
    }
    // Touch what is visible so the LRU keeps it.
    for (let page = first; page <= last; page++) {
      const rows = this.pages.get(page);
      if (rows) {
        this.pages.delete(page);
        this.pages.set(page, rows);
      }
    }
  }

  /** Stores an answer; returns false when it is for another view or an older request (then it is dropped). */
  accept(requestId: number, view: ViewSpec, start: number, rows: readonly (readonly CellText[])[]): boolean {
    const pending = this.pending.get(requestId);
    this.pending.delete(requestId);
    if (pending) {
      for (let p = pending.firstPage; p < pending.firstPage + pending.pageCount; p++) this.pendingPages.delete(p);
    }
    if (viewKey(view) !== this.key || start % PAGE_SIZE !== 0) {
      return false;
    }
    const firstPage = start / PAGE_SIZE;
    for (let offset = 0; offset * PAGE_SIZE < rows.length || offset === 0; offset++) {
      this.pages.set(firstPage + offset, rows.slice(offset * PAGE_SIZE, (offset + 1) * PAGE_SIZE));
      if ((offset + 1) * PAGE_SIZE >= rows.length) break;
    }
    while (this.pages.size > MAX_CACHED_PAGES) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
    return true;
  }

  /** Seen by tests: how many pages are held. */
  get cachedPageCount(): number {
    return this.pages.size;
  }

  private requestPages(firstPage: number, pageCount: number): void {
    const requestId = this.nextRequestId++;
    this.pending.set(requestId, { key: this.key, firstPage, pageCount });
    for (let p = firstPage; p < firstPage + pageCount; p++) this.pendingPages.add(p);
    this.request(this.view, requestId, firstPage * PAGE_SIZE, pageCount * PAGE_SIZE);
  }
}
