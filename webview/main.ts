// The results page: header (run, stats, errors), tabs, search, the virtualized grid and the detail view.
// It shows what the extension says and asks it for rows page by page; all text from data goes in via textContent.

import type {
  ColumnMeta,
  ErrorDisplay,
  ExtensionToPageMessage,
  NoticeMessage,
  ResultsMetaMessage,
  RowsMessage,
  RunInfo,
  SortSpec,
  StreamRowsMessage,
  TableMeta,
  ViewProgressMessage,
  ViewSpec,
} from '../src/shared/resultsProtocol';
import { viewKey } from '../src/shared/resultsProtocol';
import { VirtualGrid } from './grid';
import { ChartView, loadChartRenderer } from './chartView';
import { PAGE_SIZE, RowCache } from './rowCache';
import { createButton, createProgressRing, createTabs, createTextField, registerToolkit, type TextFieldHandle } from './toolkit';
import { loadPageState, postToExtension, savePageState, type PageState, type TabState } from './vscodeApi';
import { workflowBanners, workflowButtons, writeRichClipboard } from './workflow';

registerToolkit();

const app = document.getElementById('app') ?? document.body;
let meta: ResultsMetaMessage | undefined;
let pageState: PageState | undefined = loadPageState();
let runningTimer: number | undefined;
let noticeTimer: number | undefined;
let filterTimer: number | undefined;
let saveTimer: number | undefined;
let rowCountKnown = false;
/** Rows the grid is sized for: the view's row count, or the matches found so far while a filter runs. */
let shownRowCount = 0;
let pendingScroll: { top: number; left: number } | undefined;
let countLabel: HTMLElement | undefined;
let searchField: TextFieldHandle | undefined;

const cache = new RowCache((view, requestId, start, count) => {
  if (meta) postToExtension({ type: 'requestRows', runId: meta.run.runId, requestId, view, start, count });
});

const grid = new VirtualGrid(cache, {
  onSortRequested: (columnIndex) => cycleSort(columnIndex),
  onCellActivated: (position, columnIndex) => showDetail(position, columnIndex),
  onCopyCell: (text) => {
    postToExtension({ type: 'copyText', text: text ?? '' });
    showNotice({ type: 'notice', level: 'info', message: 'Copied cell.' });
  },
  onCopyRows: (ranges) => copyRows(ranges),
  onViewStateChanged: () => scheduleSave(),
});

const chartView = new ChartView({
  post: (message) => postToExtension(message),
  notice: (message) => showNotice(message),
  showTable: (reason) => setMode('table', reason),
  requestChanged: (request) => {
    if (!pageState) return;
    tabState().chartRequest = request;
    savePageState(pageState);
  },
});
let gridHostElement: HTMLElement | undefined;
let modeButtons: { table: HTMLElement; chart: HTMLElement } | undefined;
let chartReason: HTMLElement | undefined;

// ---- helpers ----

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function stopRunningTimer(): void {
  if (runningTimer !== undefined) window.clearInterval(runningTimer);
  runningTimer = undefined;
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

// ---- state per tab ----

function activeTabIndex(): number {
  return pageState?.activeTab ?? 0;
}

function tabState(index = activeTabIndex()): TabState {
  if (!pageState) throw new Error('No results are shown.');
  pageState.tabs[index] ??= { filter: '', scrollTop: 0, scrollLeft: 0 };
  return pageState.tabs[index];
}

function currentView(): ViewSpec {
  const state = tabState();
  return { tableIndex: activeTabIndex(), ...(state.sort ? { sort: state.sort } : {}), ...(state.filter ? { filter: state.filter } : {}) };
}

function scheduleSave(): void {
  if (saveTimer !== undefined) return;
  saveTimer = window.setTimeout(() => {
    saveTimer = undefined;
    saveNow();
  }, 150);
}

function saveNow(): void {
  if (!pageState || !meta) return;
  const state = tabState();
  if (rowCountKnown) {
    state.scrollTop = grid.scrollTop;
    state.scrollLeft = grid.scrollLeft;
  }
  state.columnWidths = [...grid.columnWidths];
  savePageState(pageState);
}

// ---- views ----

function showEmpty(): void {
  stopRunningTimer();
  meta = undefined;
  app.replaceChildren(el('div', 'empty', 'Run a Kusto query (Shift+Enter in a .kql file) to see its results here.'));
}

function showRunning(run: RunInfo): void {
  stopRunningTimer();
  meta = undefined;
  const view = el('div', 'running');
  view.setAttribute('role', 'status');
  const elapsed = el('span', 'elapsed', '0.0 s');
  const line = el('div', 'running-line');
  line.append(createProgressRing(), el('span', 'running-text', 'Running query… '), elapsed);
  const cancel = createButton({
    label: 'Cancel',
    appearance: 'secondary',
    title: 'Cancel the running query',
    onClick: () => postToExtension({ type: 'cancel', runId: run.runId }),
  });
  cancel.classList.add('cancel-button');
  line.append(cancel);
  const query = el('pre', 'query-preview', run.queryText.length > 2000 ? `${run.queryText.slice(0, 2000)}…` : run.queryText);
  view.append(runTitle(run), line, query);
  app.replaceChildren(view);
  const tick = (): void => {
    elapsed.textContent = `${((Date.now() - run.startedAt) / 1000).toFixed(1)} s`;
  };
  tick();
  runningTimer = window.setInterval(tick, 100);
}

function showError(run: RunInfo, error: ErrorDisplay): void {
  stopRunningTimer();
  meta = undefined;
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
      postToExtension({ type: 'revealPosition', runId: run.runId, line, column });
    });
    const where = el('div', 'error-where');
    where.append(el('span', undefined, 'At '), link);
    view.append(where);
  }
  if (error.clientRequestId) view.append(el('div', 'request-id', `Client request id: ${error.clientRequestId}`));
  app.replaceChildren(view);
}

function buildResultsHeader(message: ResultsMetaMessage): HTMLElement {
  const header = el('div', 'results-header');
  header.append(runTitle(message.run));
  const chips = el('div', 'chips');
  const table = message.tables[activeTabIndex()];
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

function showResults(message: ResultsMetaMessage): void {
  const sameRun = meta !== undefined && meta.run.runId === message.run.runId && grid.element.isConnected;
  if (sameRun && meta!.streaming && message.streaming) {
    // The page asked again ("ready") while the rows stream: only the count may have moved on.
    growStreamingRows(message.tables[0]?.rowCount ?? 0);
    return;
  }
  // The panel posts the results and then answers the page's "ready" with them too: build the view once.
  if (sameRun && !meta!.streaming && !message.streaming) {
    if (JSON.stringify(meta!.partialErrors) !== JSON.stringify(message.partialErrors)) {
      // A later word on why the rows stop (e.g. what `.cancel query` achieved): only the banner changes.
      meta = message;
      const banner = partialErrorsBanner(message);
      const shown = app.querySelector('.partial-errors');
      if (shown && banner) shown.replaceWith(banner);
    }
    return;
  }
  // A streaming table settling into the whole result (or the rows a stopped stream brought): same tab, same
  // scroll position and selection; sort and filter become available.
  const settling = sameRun && meta!.streaming === true;
  const rowsShown = shownRowCount;
  if (sameRun) saveNow();
  stopRunningTimer();
  if (!pageState || pageState.runId !== message.run.runId) {
    pageState = { runId: message.run.runId, activeTab: 0, tabs: {} };
  }
  if (pageState.activeTab >= message.tables.length) pageState.activeTab = 0;
  meta = message;
  // Its chart follows: fetch the chart library while the view is laid out (the first chart of a panel).
  if (message.chartFollows !== undefined || message.chart) void loadChartRenderer().catch(() => undefined);

  const view = el('div', 'results');
  view.append(buildResultsHeader(message), ...workflowBanners(message));
  const banner = partialErrorsBanner(message);
  if (banner) view.append(banner);
  if (message.tables.length === 0) {
    view.append(el('div', 'empty', 'The query returned no tables.'));
    app.replaceChildren(view);
    savePageState(pageState);
    return;
  }
  if (message.tables.length > 1) {
    const labels = message.tables.map((t, i) => `${t.name || `Table ${i + 1}`} (${formatCount(t.rowCount)})`);
    view.append(createTabs(labels, activeTabIndex(), (index) => switchTab(index)));
  }

  const toolbar = el('div', 'toolbar');
  searchField = createTextField({
    placeholder: 'Filter rows',
    ariaLabel: 'Filter rows (case-insensitive, any column)',
    value: tabState().filter,
    onInput: (value) => {
      if (filterTimer !== undefined) window.clearTimeout(filterTimer);
      filterTimer = window.setTimeout(() => applyFilter(value), 200);
    },
  });
  searchField.element.classList.add('search');
  countLabel = el('span', 'row-count');
  countLabel.setAttribute('aria-live', 'polite');
  modeButtons = {
    table: createButton({ label: 'Table', title: 'Show the rows as a table', onClick: () => setMode('table') }),
    chart: createButton({ label: 'Chart', title: 'Draw the rows as a chart (choose type and columns in Chart Options)', onClick: () => setMode('chart') }),
  };
  modeButtons.table.classList.add('mode-button', 'mode-table');
  modeButtons.chart.classList.add('mode-button', 'mode-chart');
  toolbar.append(
    modeButtons.table,
    modeButtons.chart,
    searchField.element,
    countLabel,
    createButton({ label: 'Copy Rows', title: 'Copy the selected rows with a header line (Ctrl+Shift+C)', onClick: () => copyRows(grid.selection.selectedRanges) }),
    createButton({ label: 'Export CSV', title: 'Save the whole result (sorted and filtered as shown) as CSV', onClick: () => exportView('csv') }),
    createButton({ label: 'Export JSON', title: 'Save the whole result (sorted and filtered as shown) as JSON', onClick: () => exportView('json') }),
    ...workflowButtons(message, currentView),
  );
  view.append(toolbar);
  const gridHost = el('div', 'grid-host');
  gridHost.append(grid.element);
  gridHostElement = gridHost;
  chartReason = el('div', 'chart-reason');
  chartReason.setAttribute('role', 'alert');
  chartReason.hidden = true;
  // The chart view (and its chart instance) carries over to the next result: drawing into it is cheaper than anew.
  view.append(chartReason, gridHost, chartView.element, statusLine());
  app.replaceChildren(view);
  if (message.streaming) {
    searchField.element.setAttribute('disabled', '');
    searchField.element.title = 'Filtering is available once all rows have arrived';
    for (const button of toolbar.querySelectorAll('vscode-button')) {
      if (button !== modeButtons.table) button.setAttribute('disabled', '');
    }
    // Stopping keeps the rows already shown.
    const runId = message.run.runId;
    const cancel = createButton({
      label: 'Cancel',
      title: 'Stop receiving rows (the rows shown stay)',
      onClick: () => postToExtension({ type: 'cancel', runId }),
    });
    cancel.classList.add('cancel-button');
    toolbar.append(cancel);
  }
  if (settling && sameColumnsAsShown(message)) settleActiveTab(rowsShown);
  else loadActiveTab();
  savePageState(pageState);
}

/** The grid already shows the active tab's columns (a streamed table settling into its result). */
function sameColumnsAsShown(message: ResultsMetaMessage): boolean {
  const table = message.tables[activeTabIndex()];
  const shown = grid.shownColumns;
  return (
    activeTabIndex() === 0 &&
    table !== undefined &&
    table.columns.length === shown.length &&
    table.columns.every((column, index) => column.name === shown[index].name && column.type === shown[index].type)
  );
}

/** Keeps the grid as it is (rows, scroll, selection) and gives it the final row count. */
function settleActiveTab(rowsShown: number): void {
  const table = tableMeta();
  if (!table) return;
  const state = tabState();
  cache.forgetFrom(rowsShown);
  rowCountKnown = true;
  shownRowCount = table.rowCount;
  grid.setRowCount(table.rowCount);
  applyMode();
  updateCountLabel(table.rowCount);
  grid.scrollTo(state.scrollTop, state.scrollLeft);
}

/** More rows of the streaming table arrived: the grid grows (short pages at the old end are asked again). */
function growStreamingRows(rowCount: number): void {
  if (!meta?.streaming || rowCount <= shownRowCount) return;
  cache.forgetFrom(shownRowCount);
  shownRowCount = rowCount;
  grid.setRowCount(rowCount);
  if (countLabel) countLabel.textContent = `${formatCount(rowCount)} rows so far · receiving…`;
  grid.scheduleRender();
}

function onStreamRows(message: StreamRowsMessage): void {
  if (!meta || message.runId !== meta.run.runId) return;
  growStreamingRows(message.rowCount);
}

/** Why the rows may be incomplete: errors the server reported, or the run stopped before its last row. */
function partialErrorsBanner(message: ResultsMetaMessage): HTMLElement | undefined {
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

let statusElement: HTMLElement | undefined;

function statusLine(): HTMLElement {
  statusElement = el('div', 'status');
  statusElement.setAttribute('role', 'status');
  return statusElement;
}

function showNotice(message: NoticeMessage): void {
  if (!statusElement || !statusElement.isConnected) {
    // Nowhere to show it inline (running or error view): add a transient line at the end.
    statusElement = statusLine();
    app.append(statusElement);
  }
  statusElement.textContent = message.message;
  statusElement.className = `status ${message.level}`;
  if (noticeTimer !== undefined) window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => {
    if (statusElement) statusElement.textContent = '';
  }, message.level === 'info' ? 5000 : 15000);
}

function tableMeta(): TableMeta | undefined {
  return meta?.tables[activeTabIndex()];
}

/** Points the grid at the active tab's view and restores where the user was in it. */
function loadActiveTab(): void {
  const table = tableMeta();
  if (!table) return;
  const state = tabState();
  const view = currentView();
  cache.setView(view);
  rowCountKnown = !view.filter;
  shownRowCount = rowCountKnown ? table.rowCount : 0;
  // The mode first: a tab opening on its chart draws it before the (then hidden) grid lays out its rows.
  applyMode();
  grid.setTable(table.columns, rowCountKnown ? table.rowCount : 0, state.sort, state.columnWidths);
  updateCountLabel(rowCountKnown ? table.rowCount : undefined);
  if (rowCountKnown) {
    grid.scrollTo(state.scrollTop, state.scrollLeft);
  } else {
    pendingScroll = { top: state.scrollTop, left: state.scrollLeft };
    cache.ensure(0, PAGE_SIZE);
  }
}

/** The visualization the query rendered for the active tab, if any. */
function renderedVisualization(): { type: string } | undefined {
  if (!meta) return undefined;
  const perTable = meta.tableVisualizations?.[activeTabIndex()];
  if (perTable !== undefined) return perTable ?? undefined;
  return activeTabIndex() === 0 ? meta.visualization : undefined;
}

function currentMode(): 'table' | 'chart' {
  const state = tabState();
  if (state.mode) return state.mode;
  const rendered = renderedVisualization();
  return rendered && rendered.type !== 'table' ? 'chart' : 'table';
}

/** Switches the active tab between its Table and Chart views (a reason says why a chart fell back to the table). */
function setMode(mode: 'table' | 'chart', reason?: string): void {
  if (!pageState) return;
  tabState().mode = mode;
  savePageState(pageState);
  applyMode(reason);
}

function applyMode(reason?: string): void {
  const table = tableMeta();
  if (!meta || !table || !gridHostElement) return;
  const mode = currentMode();
  const chart = mode === 'chart';
  gridHostElement.hidden = chart;
  chartView.element.hidden = !chart;
  if (chartReason) {
    chartReason.hidden = !reason;
    chartReason.textContent = reason ? `The chart cannot be drawn: ${reason}` : '';
  }
  // The toolkit's button reflects its property to the attribute later, so set the property (the attribute alone
  // is overwritten by a pending reflection of the value it had when it connected).
  if (modeButtons) {
    (modeButtons.table as HTMLElement & { appearance: string }).appearance = chart ? 'secondary' : 'primary';
    (modeButtons.chart as HTMLElement & { appearance: string }).appearance = chart ? 'primary' : 'secondary';
  }
  if (chart) {
    const state = tabState();
    const picking = !state.chartRequest && !renderedVisualization();
    chartView.show(meta.run.runId, activeTabIndex(), table.columns, table.name, state.chartRequest, picking, meta.chartFollows === activeTabIndex());
  } else {
    chartView.clear();
  }
}

function updateCountLabel(filteredCount: number | undefined): void {
  const table = tableMeta();
  if (!countLabel || !table) return;
  if (meta?.streaming) {
    countLabel.textContent = `${formatCount(table.rowCount)} rows so far · receiving…`;
    return;
  }
  const filter = tabState().filter;
  if (filteredCount === undefined) {
    countLabel.textContent = 'Filtering…';
  } else if (filter) {
    countLabel.textContent = `${formatCount(filteredCount)} of ${formatCount(table.rowCount)} rows`;
  } else {
    countLabel.textContent = `${formatCount(table.rowCount)} rows`;
  }
}

function switchTab(index: number): void {
  if (!pageState || index === pageState.activeTab || !meta?.tables[index]) return;
  saveNow();
  pageState.activeTab = index;
  if (searchField) searchField.value = tabState().filter;
  const header = app.querySelector('.results-header');
  header?.replaceWith(buildResultsHeader(meta));
  loadActiveTab();
  savePageState(pageState);
}

function cycleSort(columnIndex: number): void {
  if (!pageState) return;
  if (meta?.streaming) {
    showNotice({ type: 'notice', level: 'info', message: 'Sorting is available once all rows have arrived.' });
    return;
  }
  const state = tabState();
  const current = state.sort;
  let next: SortSpec | undefined;
  if (!current || current.columnIndex !== columnIndex) next = { columnIndex, direction: 'asc' };
  else if (current.direction === 'asc') next = { columnIndex, direction: 'desc' };
  else next = undefined;
  state.sort = next;
  state.scrollTop = 0;
  state.columnWidths = [...grid.columnWidths];
  loadActiveTab();
  savePageState(pageState);
}

function applyFilter(value: string): void {
  if (!pageState) return;
  const state = tabState();
  if (state.filter === value) return;
  state.filter = value;
  state.scrollTop = 0;
  state.columnWidths = [...grid.columnWidths];
  loadActiveTab();
  savePageState(pageState);
}

function onRows(message: RowsMessage): void {
  if (!meta || message.runId !== meta.run.runId) return;
  if (!cache.accept(message.requestId, message.view, message.start, message.rows)) return;
  if (!rowCountKnown) {
    rowCountKnown = true;
    // A filter still running answers with the matches found so far; viewProgress brings the rest.
    shownRowCount = message.totalRows;
    grid.setRowCount(message.totalRows);
    updateCountLabel(message.totalRows);
    if (message.complete === false && countLabel) countLabel.textContent = `${formatCount(message.totalRows)}+ rows · filtering…`;
    if (pendingScroll) {
      grid.scrollTo(pendingScroll.top, pendingScroll.left);
      pendingScroll = undefined;
    }
  }
  grid.scheduleRender();
}

/** A filter or sort working through a large result: the count grows as matches are found, then settles. */
function onViewProgress(message: ViewProgressMessage): void {
  if (!meta || message.runId !== meta.run.runId || viewKey(message.view) !== viewKey(currentView())) return;
  const percent = message.tableRows > 0 ? Math.floor((message.scannedRows / message.tableRows) * 100) : 100;
  if (message.complete) {
    const wasKnown = rowCountKnown;
    rowCountKnown = true;
    shownRowCount = message.viewRows;
    grid.setRowCount(message.viewRows);
    updateCountLabel(message.work === 'filter' || !wasKnown ? message.viewRows : tableMeta()?.rowCount);
    if (pendingScroll) {
      grid.scrollTo(pendingScroll.top, pendingScroll.left);
      pendingScroll = undefined;
    }
    grid.scheduleRender();
    return;
  }
  if (!countLabel) return;
  if (message.work === 'sort') {
    countLabel.textContent = `Sorting… ${percent}%`;
  } else {
    if (rowCountKnown && message.viewRows > shownRowCount) {
      // Let the user scroll into the matches found since the first page was shown.
      shownRowCount = message.viewRows;
      grid.setRowCount(message.viewRows);
    }
    countLabel.textContent = `${formatCount(message.viewRows)}+ rows · filtering… ${percent}%`;
  }
}

function copyRows(ranges: readonly { start: number; end: number }[]): void {
  if (!meta) return;
  if (ranges.length === 0) {
    showNotice({ type: 'notice', level: 'warning', message: 'Select rows first (click, shift-click, ctrl-click or Ctrl+A).' });
    return;
  }
  postToExtension({ type: 'copyRows', runId: meta.run.runId, view: currentView(), ranges: ranges.map((r) => ({ start: r.start, end: r.end })) });
}

function exportView(format: 'csv' | 'json'): void {
  if (!meta) return;
  postToExtension({ type: 'export', runId: meta.run.runId, view: currentView(), format });
}

// ---- detail view (full value of a cell; dynamic pretty-printed) ----

function prettyValue(column: ColumnMeta, text: string): string {
  if (column.type !== 'dynamic') return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function showDetail(position: number, columnIndex: number): void {
  const table = tableMeta();
  const row = cache.getRow(position);
  if (!table || !row) return;
  const column = table.columns[columnIndex];
  const value = row[columnIndex];
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
    (previous ?? grid.element).focus();
  };
  const actions = el('div', 'detail-actions');
  actions.append(
    createButton({ label: 'Copy', onClick: () => postToExtension({ type: 'copyText', text: value === null ? '' : prettyValue(column, value) }) }),
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

// ---- messages from the extension ----

window.addEventListener('message', (event: MessageEvent<ExtensionToPageMessage>) => {
  const message = event.data;
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'empty':
      showEmpty();
      break;
    case 'running':
      showRunning(message.run);
      break;
    case 'resultsMeta':
      // A small result brings its chart along: offered first, so the view draws it as it is laid out.
      if (message.chart) chartView.offer(message.chart);
      showResults(message);
      break;
    case 'rows':
      onRows(message);
      break;
    case 'viewProgress':
      onViewProgress(message);
      break;
    case 'streamRows':
      onStreamRows(message);
      break;
    case 'error':
      showError(message.run, message.error);
      break;
    case 'notice':
      showNotice(message);
      break;
    case 'chart':
      if (message.pushed) chartView.offer(message);
      else void chartView.onChart(message);
      break;
    case 'clipboardContent':
      void writeRichClipboard(message, (text, level) => showNotice({ type: 'notice', level, message: text }));
      break;
  }
});

window.addEventListener('beforeunload', () => saveNow());

postToExtension({ type: 'ready' });
