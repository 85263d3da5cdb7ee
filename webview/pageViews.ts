// The results page's DOM pieces: the running and error views, the results header and banners, and the detail view
// of a cell. They only build elements (all text from data goes in via textContent); what a click means is the
// caller's, passed in as a function.

import type { ColumnMeta, ErrorDisplay, ResultsMetaMessage, RunInfo } from '../src/shared/resultsProtocol';
import { formatBytes, formatCount, formatDuration } from './format';
import { createButton, createProgressRing } from './toolkit';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function runTitle(run: RunInfo): HTMLElement {
  const title = el('div', 'run-target');
  title.append(el('span', 'cluster', run.clusterUrl), el('span', 'separator', ' · '), el('span', 'database', run.database));
  return title;
}

function chip(label: string, value: string, title?: string): HTMLElement {
  const element = el('span', 'chip');
  element.append(el('span', 'chip-label', `${label} `), el('span', 'chip-value', value));
  if (title) element.title = title;
  return element;
}

export function emptyView(): HTMLElement {
  return el('div', 'empty', 'Run a Kusto query (Shift+Enter in a .kql file) to see its results here.');
}

/** The view while a query runs; `elapsed` is the element whose text the caller ticks. */
export function runningView(run: RunInfo, onCancel: () => void): { view: HTMLElement; elapsed: HTMLElement } {
  const view = el('div', 'running');
  view.setAttribute('role', 'status');
  const elapsed = el('span', 'elapsed', '0.0 s');
  const line = el('div', 'running-line');
  line.append(createProgressRing(), el('span', 'running-text', 'Running query… '), elapsed);
  const cancel = createButton({ label: 'Cancel', appearance: 'secondary', title: 'Cancel the running query', onClick: onCancel });
  cancel.classList.add('cancel-button');
  line.append(cancel);
  const query = el('pre', 'query-preview', run.queryText.length > 2000 ? `${run.queryText.slice(0, 2000)}…` : run.queryText);
  view.append(runTitle(run), line, query);
  return { view, elapsed };
}

export function errorView(run: RunInfo, error: ErrorDisplay, onReveal: (line: number, column: number) => void): HTMLElement {
  const view = el('div', 'error-view');
  view.setAttribute('role', 'alert');
  const heading = el('div', 'error-heading');
  const cancelled = error.code === 'Cancelled';
  heading.append(el('span', 'error-title', cancelled ? 'Query cancelled' : 'Query failed'));
  if (error.code && !cancelled) heading.append(el('span', 'error-code', error.code));
  if (error.httpStatus !== undefined) heading.append(el('span', 'error-http', `HTTP ${error.httpStatus}`));
  view.append(runTitle(run), heading, el('pre', 'error-message', error.message));
  if (error.position) {
    const { line, column } = error.position;
    const link = el('a', 'error-position', `Line ${line}, column ${column}`);
    link.href = '#';
    link.title = 'Go to this position in the query';
    link.addEventListener('click', (event) => {
      event.preventDefault();
      onReveal(line, column);
    });
    const where = el('div', 'error-where');
    where.append(el('span', undefined, 'At '), link);
    view.append(where);
  }
  if (error.clientRequestId) view.append(el('div', 'request-id', `Client request id: ${error.clientRequestId}`));
  return view;
}

export function resultsHeader(message: ResultsMetaMessage, activeTab: number): HTMLElement {
  const header = el('div', 'results-header');
  header.append(runTitle(message.run));
  const chips = el('div', 'chips');
  const table = message.tables[activeTab];
  if (message.streaming) {
    // Still arriving: the count in the toolbar grows; the rest of the header comes with the whole result.
    chips.append(chip('Rows', 'receiving…'), chip('First rows after', formatDuration(message.elapsedMs)));
    header.append(chips);
    return header;
  }
  if (table) chips.append(chip('Rows', formatCount(table.rowCount)));
  chips.append(chip('Elapsed', formatDuration(message.elapsedMs)));
  const stats = message.statistics;
  if (stats?.cpuTimeMs !== undefined) chips.append(chip('CPU', formatDuration(stats.cpuTimeMs)));
  if (stats?.memoryPeakBytes !== undefined) chips.append(chip('Memory peak', formatBytes(stats.memoryPeakBytes)));
  if (stats?.scannedExtentsBytes !== undefined) chips.append(chip('Data scanned', formatBytes(stats.scannedExtentsBytes)));
  if (message.clientRequestId) chips.append(chip('Request id', message.clientRequestId, 'Client request id: quote it when asking for support'));
  header.append(chips);
  return header;
}

/** Why the rows may be incomplete: errors the server reported, or the run stopped before its last row. */
export function partialErrorsBanner(message: ResultsMetaMessage): HTMLElement | undefined {
  if (message.partialErrors.length === 0) return undefined;
  const banner = el('div', 'banner warning partial-errors');
  banner.setAttribute('role', 'alert');
  const stopped = message.partialErrors.every((e) => e.code === 'Cancelled');
  banner.append(el('div', 'banner-title', stopped ? 'Results are incomplete: the query was cancelled; the rows received until then are shown.' : 'Results may be incomplete: the server reported errors.'));
  for (const e of message.partialErrors) {
    banner.append(el('div', 'banner-item', `${e.code}: ${e.message}`));
  }
  return banner;
}

function prettyValue(column: ColumnMeta, text: string): string {
  if (column.type !== 'dynamic') return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The full value of a cell (dynamic pretty-printed) in a modal dialog; closing it gives focus back. */
export function showDetailDialog(column: ColumnMeta, position: number, value: string | null, onCopy: (text: string) => void, fallbackFocus: HTMLElement): void {
  const previous = document.activeElement as HTMLElement | null;
  const overlay = el('div', 'detail-overlay');
  const dialog = el('div', 'detail');
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.setAttribute('aria-label', `Value of ${column.name}`);
  dialog.tabIndex = -1;
  const title = el('div', 'detail-title');
  title.append(el('span', 'column-name', column.name), el('span', 'column-type', ` ${column.type}`), el('span', 'detail-row', ` · row ${formatCount(position + 1)}`));
  const body = value === null ? el('pre', 'detail-text null', 'null') : el('pre', 'detail-text', prettyValue(column, value));
  const close = (): void => {
    overlay.remove();
    (previous ?? fallbackFocus).focus();
  };
  const actions = el('div', 'detail-actions');
  actions.append(
    createButton({ label: 'Copy', onClick: () => onCopy(value === null ? '' : prettyValue(column, value)) }),
    createButton({ label: 'Close', appearance: 'primary', onClick: close }),
  );
  dialog.append(title, body, actions);
  overlay.append(dialog);
  overlay.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
  overlay.addEventListener('mousedown', (event) => {
    if (event.target === overlay) close();
  });
  document.body.append(overlay);
  dialog.focus();
}
