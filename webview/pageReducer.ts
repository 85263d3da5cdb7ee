// The results page's one reducer: every message from the extension and every user action goes through
// `reducePage`, which returns the next model and the effects to carry out (post to the host, draw the grid or
// chart, update the DOM). It never touches the DOM, the grid or the host itself, so it runs in plain Node.

import type { ChartRequest } from '../src/shared/chartSpec';
import type {
  PageToExtensionMessage,
  ResultsMetaMessage,
  RowsMessage,
  SortSpec,
  StreamRowsMessage,
  ViewProgressMessage,
} from '../src/shared/resultsProtocol';
import { viewKey } from '../src/shared/resultsProtocol';
import { formatCount } from './format';
import {
  activeTabIndex,
  currentMode,
  currentView,
  renderedVisualization,
  shownMeta,
  tableMeta,
  tabStateOf,
  type GridPlace,
  type PageEffect,
  type PageEvent,
  type PageModel,
  type PageState,
  type TabState,
} from './pageState';
import { PAGE_SIZE } from './rowCache';

export interface PageStep {
  readonly model: PageModel;
  readonly effects: readonly PageEffect[];
}

const unchanged = (model: PageModel): PageStep => ({ model, effects: [] });

export function reducePage(model: PageModel, event: PageEvent): PageStep {
  switch (event.type) {
    case 'empty':
      return { model: { ...model, view: { kind: 'empty' } }, effects: [{ kind: 'showEmpty' }] };
    case 'running':
      return { model: { ...model, view: { kind: 'running', run: event.run } }, effects: [{ kind: 'showRunning', run: event.run }] };
    case 'error':
      return { model: { ...model, view: { kind: 'error', run: event.run, error: event.error } }, effects: [{ kind: 'showError', run: event.run, error: event.error }] };
    case 'resultsMeta':
      return onResults(model, event);
    case 'rows':
      return onRows(model, event);
    case 'viewProgress':
      return onViewProgress(model, event);
    case 'streamRows':
      return onStreamRows(model, event);
    case 'notice':
      return { model, effects: [{ kind: 'notice', notice: event }] };
    case 'chart':
      return { model, effects: [event.pushed ? { kind: 'offerChart', chart: event } : { kind: 'drawChart', chart: event }] };
    case 'clipboardContent':
      return { model, effects: [{ kind: 'writeClipboard', content: event }] };
    case 'tabSelected':
      return onTabSelected(model, event.index, event.place);
    case 'sortRequested':
      return onSortRequested(model, event.columnIndex, event.place);
    case 'filterChanged':
      return onFilterChanged(model, event.filter, event.place);
    case 'modeSelected': {
      if (!model.saved) return unchanged(model);
      const next = withTab(model, { mode: event.mode });
      return { model: next, effects: [...persist(next), ...modeEffect(next, event.reason)] };
    }
    case 'placeChanged': {
      if (!model.saved || !shownMeta(model)) return unchanged(model);
      const next = rememberPlace(model, event.place);
      return { model: next, effects: persist(next) };
    }
    case 'chartRequestChanged':
      return onChartRequestChanged(model, event.request);
    case 'copyRowsRequested': {
      const meta = shownMeta(model);
      if (!meta) return unchanged(model);
      if (event.ranges.length === 0) return { model, effects: [notice('warning', 'Select rows first (click, shift-click, ctrl-click or Ctrl+A).')] };
      const ranges = event.ranges.map((r) => ({ start: r.start, end: r.end }));
      return { model, effects: [post({ type: 'copyRows', runId: meta.run.runId, view: currentView(model), ranges })] };
    }
    case 'cellCopied':
      return { model, effects: [post({ type: 'copyText', text: event.text ?? '' }), notice('info', 'Copied cell.')] };
    case 'textCopied':
      return { model, effects: [post({ type: 'copyText', text: event.text })] };
    case 'exportRequested': {
      const meta = shownMeta(model);
      if (!meta) return unchanged(model);
      return { model, effects: [post({ type: 'export', runId: meta.run.runId, view: currentView(model), format: event.format })] };
    }
    case 'cancelRequested':
      return { model, effects: [post({ type: 'cancel', runId: event.runId })] };
    case 'positionRevealRequested':
      return { model, effects: [post({ type: 'revealPosition', runId: event.runId, line: event.line, column: event.column })] };
    case 'cellActivated': {
      const column = tableMeta(model)?.columns[event.columnIndex];
      if (!column) return unchanged(model);
      return { model, effects: [{ kind: 'showDetail', position: event.position, columnIndex: event.columnIndex, column }] };
    }
    default: {
      // Every event is handled above; anything else (a message this page does not know) changes nothing.
      const unknown: never = event;
      void unknown;
      return unchanged(model);
    }
  }
}

// ---- small builders ----

function post(message: PageToExtensionMessage): PageEffect {
  return { kind: 'post', message };
}

function notice(level: 'info' | 'warning' | 'error', message: string): PageEffect {
  return { kind: 'notice', notice: { type: 'notice', level, message } };
}

function persist(model: PageModel): PageEffect[] {
  return model.saved ? [{ kind: 'persist', state: model.saved }] : [];
}

/** The model with the active (or given) tab's state changed; the per-panel state must exist. */
function withTab(model: PageModel, patch: Partial<TabState>, index = activeTabIndex(model)): PageModel {
  const saved = model.saved as PageState;
  return { ...model, saved: { ...saved, tabs: { ...saved.tabs, [index]: { ...tabStateOf(model, index), ...patch } } } };
}

/** Remembers where the user is in the grid (its scroll only once the grid is sized for the view). */
function rememberPlace(model: PageModel, place: GridPlace): PageModel {
  const scroll = model.rowCountKnown ? { scrollTop: place.scrollTop, scrollLeft: place.scrollLeft } : {};
  return withTab(model, { ...scroll, columnWidths: [...place.columnWidths] });
}

/** The row count label: the rows of the view, how many a filter kept, or that it is still at work. */
function countText(model: PageModel, filteredCount: number | undefined): string | undefined {
  const table = tableMeta(model);
  if (!table) return undefined;
  if (shownMeta(model)?.streaming) return `${formatCount(table.rowCount)} rows so far · receiving…`;
  if (filteredCount === undefined) return 'Filtering…';
  if (tabStateOf(model).filter) return `${formatCount(filteredCount)} of ${formatCount(table.rowCount)} rows`;
  return `${formatCount(table.rowCount)} rows`;
}

function showCount(text: string | undefined): PageEffect[] {
  return text === undefined ? [] : [{ kind: 'showCount', text }];
}

/** Shows the active tab as its table or its chart. */
function modeEffect(model: PageModel, reason?: string): PageEffect[] {
  const meta = shownMeta(model);
  const table = tableMeta(model);
  if (!meta || !table) return [];
  if (currentMode(model) === 'table') return [{ kind: 'showMode', chart: undefined, reason }];
  const state = tabStateOf(model);
  const tableIndex = activeTabIndex(model);
  const chart = {
    runId: meta.run.runId,
    tableIndex,
    columns: table.columns,
    title: table.name,
    request: state.chartRequest,
    openPicker: !state.chartRequest && !renderedVisualization(model),
    chartFollows: meta.chartFollows === tableIndex,
  };
  return [{ kind: 'showMode', chart, reason }];
}

// ---- a result arrives ----

function onResults(model: PageModel, message: ResultsMetaMessage): PageStep {
  const shown = shownMeta(model);
  // A small result brings its chart along: offered first, so the view draws it as it is laid out.
  const effects: PageEffect[] = message.chart ? [{ kind: 'offerChart', chart: message.chart }] : [];
  // The grid is in the page when the shown result of this run has tables.
  const sameRun = shown !== undefined && shown.run.runId === message.run.runId && shown.tables.length > 0;
  if (sameRun && shown.streaming && message.streaming) {
    // The page asked again ("ready") while the rows stream: only the count may have moved on.
    const grown = growStreamingRows(model, message.tables[0]?.rowCount ?? 0);
    return { model: grown.model, effects: [...effects, ...grown.effects] };
  }
  // The panel posts the results and then answers the page's "ready" with them too: build the view once.
  if (sameRun && !shown.streaming && !message.streaming) {
    if (JSON.stringify(shown.partialErrors) === JSON.stringify(message.partialErrors)) return { model, effects };
    // A later word on why the rows stop (e.g. what `.cancel query` achieved): only the banner changes.
    return { model: { ...model, view: { kind: 'results', meta: message } }, effects: [...effects, { kind: 'showPartialErrors', meta: message }] };
  }
  // A streaming table settling into the whole result (or the rows a stopped stream brought): same tab, same
  // scroll position and selection; sort and filter become available.
  const settling = sameRun && shown.streaming === true;
  const rowsShown = model.shownRowCount;
  let saved = model.saved && model.saved.runId === message.run.runId ? model.saved : { runId: message.run.runId, activeTab: 0, tabs: {} };
  if (saved.activeTab >= message.tables.length) saved = { ...saved, activeTab: 0 };
  let next: PageModel = { ...model, view: { kind: 'results', meta: message }, saved };
  // Its chart follows: fetch the chart library while the view is laid out (the first chart of a panel).
  if (message.chartFollows !== undefined || message.chart) effects.push({ kind: 'loadChartLibrary' });
  effects.push({ kind: 'showResults', meta: message, activeTab: saved.activeTab, filter: tabStateOf(next).filter });
  if (message.tables.length > 0) {
    const loaded = settling && sameColumnsAsShown(next) ? settleActiveTab(next, rowsShown) : loadActiveTab(next);
    next = loaded.model;
    effects.push(...loaded.effects);
  }
  return { model: next, effects: [...effects, ...persist(next)] };
}

/** The grid already shows the active tab's columns (a streamed table settling into its result). */
function sameColumnsAsShown(model: PageModel): boolean {
  const table = tableMeta(model);
  const shown = model.gridColumns;
  return (
    activeTabIndex(model) === 0 &&
    table !== undefined &&
    table.columns.length === shown.length &&
    table.columns.every((column, index) => column.name === shown[index].name && column.type === shown[index].type)
  );
}

/** Keeps the grid as it is (rows, scroll, selection) and gives it the final row count. */
function settleActiveTab(model: PageModel, rowsShown: number): PageStep {
  const table = tableMeta(model);
  if (!table) return unchanged(model);
  const state = tabStateOf(model);
  const next = { ...model, rowCountKnown: true, shownRowCount: table.rowCount };
  return {
    model: next,
    effects: [
      { kind: 'keepRows', from: rowsShown, rowCount: table.rowCount },
      ...modeEffect(next),
      ...showCount(countText(next, table.rowCount)),
      { kind: 'scrollGrid', top: state.scrollTop, left: state.scrollLeft },
    ],
  };
}

/** Points the grid at the active tab's view and restores where the user was in it. */
function loadActiveTab(model: PageModel): PageStep {
  const table = tableMeta(model);
  if (!table) return unchanged(model);
  const state = tabStateOf(model);
  const view = currentView(model);
  const known = !view.filter;
  const next: PageModel = {
    ...model,
    rowCountKnown: known,
    shownRowCount: known ? table.rowCount : 0,
    pendingScroll: known ? model.pendingScroll : { top: state.scrollTop, left: state.scrollLeft },
    gridColumns: table.columns,
  };
  return {
    model: next,
    effects: [
      // The mode first: a tab opening on its chart draws it before the (then hidden) grid lays out its rows.
      ...modeEffect(next),
      { kind: 'loadTable', view, columns: table.columns, rowCount: known ? table.rowCount : 0, sort: state.sort, columnWidths: state.columnWidths },
      ...showCount(countText(next, known ? table.rowCount : undefined)),
      known ? { kind: 'scrollGrid', top: state.scrollTop, left: state.scrollLeft } : { kind: 'fetchFirstPage' },
    ],
  };
}

// ---- rows arrive ----

/** More rows of the streaming table arrived: the grid grows (short pages at the old end are asked again). */
function growStreamingRows(model: PageModel, rowCount: number): PageStep {
  if (!shownMeta(model)?.streaming || rowCount <= model.shownRowCount) return unchanged(model);
  return {
    model: { ...model, shownRowCount: rowCount },
    effects: [
      { kind: 'keepRows', from: model.shownRowCount, rowCount },
      { kind: 'showCount', text: `${formatCount(rowCount)} rows so far · receiving…` },
      { kind: 'renderGrid' },
    ],
  };
}

function onStreamRows(model: PageModel, message: StreamRowsMessage): PageStep {
  if (shownMeta(model)?.run.runId !== message.runId) return unchanged(model);
  return growStreamingRows(model, message.rowCount);
}

/** The grid is sized for the view's rows at last: it goes where the user was before the view changed. */
function sizeGrid(model: PageModel, rowCount: number, countLabel: string | undefined): PageStep {
  const next = { ...model, rowCountKnown: true, shownRowCount: rowCount, pendingScroll: undefined };
  const scroll: PageEffect[] = model.pendingScroll ? [{ kind: 'scrollGrid', top: model.pendingScroll.top, left: model.pendingScroll.left }] : [];
  return { model: next, effects: [{ kind: 'setRowCount', rowCount }, ...showCount(countLabel), ...scroll, { kind: 'renderGrid' }] };
}

function onRows(model: PageModel, message: RowsMessage): PageStep {
  if (shownMeta(model)?.run.runId !== message.runId) return unchanged(model);
  const store: PageEffect = { kind: 'storeRows', rows: message };
  // Rows of another view (an older sort, filter or tab) are dropped by the cache, as are rows not starting a page:
  // they change nothing here.
  if (viewKey(message.view) !== viewKey(currentView(model)) || message.start % PAGE_SIZE !== 0) return { model, effects: [store] };
  if (model.rowCountKnown) return { model, effects: [store, { kind: 'renderGrid' }] };
  // A filter still running answers with the matches found so far; viewProgress brings the rest.
  const label =
    message.complete === false ? `${formatCount(message.totalRows)}+ rows · filtering…` : countText(model, message.totalRows);
  const sized = sizeGrid(model, message.totalRows, label);
  return { model: sized.model, effects: [store, ...sized.effects] };
}

/** A filter or sort working through a large result: the count grows as matches are found, then settles. */
function onViewProgress(model: PageModel, message: ViewProgressMessage): PageStep {
  if (shownMeta(model)?.run.runId !== message.runId || viewKey(message.view) !== viewKey(currentView(model))) return unchanged(model);
  if (message.complete) {
    const counted = message.work === 'filter' || !model.rowCountKnown ? message.viewRows : tableMeta(model)?.rowCount;
    return sizeGrid(model, message.viewRows, countText(model, counted));
  }
  const percent = message.tableRows > 0 ? Math.floor((message.scannedRows / message.tableRows) * 100) : 100;
  if (message.work === 'sort') return { model, effects: [{ kind: 'showCount', text: `Sorting… ${percent}%` }] };
  const label: PageEffect = { kind: 'showCount', text: `${formatCount(message.viewRows)}+ rows · filtering… ${percent}%` };
  if (!model.rowCountKnown || message.viewRows <= model.shownRowCount) return { model, effects: [label] };
  // Let the user scroll into the matches found since the first page was shown.
  return { model: { ...model, shownRowCount: message.viewRows }, effects: [{ kind: 'setRowCount', rowCount: message.viewRows }, label] };
}

// ---- the user changes the view ----

function onTabSelected(model: PageModel, index: number, place: GridPlace): PageStep {
  const meta = shownMeta(model);
  if (!model.saved || index === model.saved.activeTab || !meta?.tables[index]) return unchanged(model);
  const remembered = rememberPlace(model, place);
  const switched: PageModel = { ...remembered, saved: { ...(remembered.saved as PageState), activeTab: index } };
  const loaded = loadActiveTab(switched);
  return {
    model: loaded.model,
    effects: [
      { kind: 'showFilterText', filter: tabStateOf(switched).filter },
      { kind: 'showHeader', meta, activeTab: index },
      ...loaded.effects,
      ...persist(loaded.model),
    ],
  };
}

/** Ascending, then descending, then unsorted. */
function nextSort(current: SortSpec | undefined, columnIndex: number): SortSpec | undefined {
  if (!current || current.columnIndex !== columnIndex) return { columnIndex, direction: 'asc' };
  return current.direction === 'asc' ? { columnIndex, direction: 'desc' } : undefined;
}

/** A new sort or filter: the view starts at its top, with the column widths the user has now. */
function reloadWith(model: PageModel, patch: Partial<TabState>, place: GridPlace): PageStep {
  const loaded = loadActiveTab(withTab(model, { ...patch, scrollTop: 0, columnWidths: [...place.columnWidths] }));
  return { model: loaded.model, effects: [...loaded.effects, ...persist(loaded.model)] };
}

function onSortRequested(model: PageModel, columnIndex: number, place: GridPlace): PageStep {
  if (!model.saved) return unchanged(model);
  if (shownMeta(model)?.streaming) return { model, effects: [notice('info', 'Sorting is available once all rows have arrived.')] };
  return reloadWith(model, { sort: nextSort(tabStateOf(model).sort, columnIndex) }, place);
}

function onFilterChanged(model: PageModel, filter: string, place: GridPlace): PageStep {
  if (!model.saved || tabStateOf(model).filter === filter) return unchanged(model);
  return reloadWith(model, { filter }, place);
}

function onChartRequestChanged(model: PageModel, request: ChartRequest): PageStep {
  if (!model.saved) return unchanged(model);
  const next = withTab(model, { chartRequest: request });
  return { model: next, effects: persist(next) };
}
