// The results page as data: what it shows, the per-panel state VS Code keeps while the panel is hidden, the events
// that change it and the effects they ask for. No DOM here, so the reducer (pageReducer.ts) runs in plain Node.

import type { ChartRequest } from '../src/shared/chartSpec';
import type {
  CellText,
  ChartMessage,
  ClipboardContentMessage,
  ColumnMeta,
  ErrorDisplay,
  ExportFormat,
  ExtensionToPageMessage,
  NoticeMessage,
  PageToExtensionMessage,
  ResultsMetaMessage,
  RowRange,
  RowsMessage,
  RunInfo,
  SortSpec,
  TableMeta,
  ViewSpec,
} from '../src/shared/resultsProtocol';

export type ResultsMode = 'table' | 'chart';

/** Where the user was in one result table; VS Code keeps it with the panel (see PageState). */
export interface TabState {
  sort?: SortSpec;
  filter: string;
  scrollTop: number;
  scrollLeft: number;
  columnWidths?: number[];
  /** Table or Chart view; unset means the default (Chart when the query rendered one). */
  mode?: ResultsMode;
  /** The chart the user picked; unset means the query's render (or the guess). */
  chartRequest?: ChartRequest;
}

/** The state VS Code keeps while the panel is hidden (scroll, sort, filter, tab), so a recreated page comes back. */
export interface PageState {
  runId: string;
  activeTab: number;
  tabs: Record<number, TabState>;
}

/** What the page shows. */
export type PageView =
  | { readonly kind: 'empty' }
  | { readonly kind: 'running'; readonly run: RunInfo }
  | { readonly kind: 'error'; readonly run: RunInfo; readonly error: ErrorDisplay }
  | { readonly kind: 'results'; readonly meta: ResultsMetaMessage };

export interface PageModel {
  readonly view: PageView;
  /** The per-panel state; it outlives a running or error view, so a result shown again comes back as it was. */
  readonly saved: PageState | undefined;
  /** False while a filter's first page is awaited: the grid is not yet sized for the view. */
  readonly rowCountKnown: boolean;
  /** Rows the grid is sized for: the view's row count, or the matches found so far while a filter runs. */
  readonly shownRowCount: number;
  /** Where to scroll once the first page of a filtered view has sized the grid. */
  readonly pendingScroll: { readonly top: number; readonly left: number } | undefined;
  /** The columns the grid was last given (a streamed table settling keeps its grid when they match). */
  readonly gridColumns: readonly ColumnMeta[];
}

export function initialPageModel(saved: PageState | undefined): PageModel {
  return { view: { kind: 'empty' }, saved, rowCountKnown: false, shownRowCount: 0, pendingScroll: undefined, gridColumns: [] };
}

/** Where the user is in the grid: read from the grid when an event needs it (never while the grid renders). */
export interface GridPlace {
  readonly scrollTop: number;
  readonly scrollLeft: number;
  readonly columnWidths: readonly number[];
}

/** What the user does on the page. */
export type PageUiEvent =
  | { readonly type: 'tabSelected'; readonly index: number; readonly place: GridPlace }
  | { readonly type: 'sortRequested'; readonly columnIndex: number; readonly place: GridPlace }
  | { readonly type: 'filterChanged'; readonly filter: string; readonly place: GridPlace }
  /** The Table/Chart buttons; a reason says why a chart fell back to the table. */
  | { readonly type: 'modeSelected'; readonly mode: ResultsMode; readonly reason?: string }
  /** The user scrolled or resized a column (debounced), or the page unloads: remember where they are. */
  | { readonly type: 'placeChanged'; readonly place: GridPlace }
  | { readonly type: 'chartRequestChanged'; readonly request: ChartRequest }
  | { readonly type: 'copyRowsRequested'; readonly ranges: readonly RowRange[] }
  | { readonly type: 'cellCopied'; readonly text: CellText }
  | { readonly type: 'textCopied'; readonly text: string }
  | { readonly type: 'exportRequested'; readonly format: ExportFormat }
  | { readonly type: 'cancelRequested'; readonly runId: string }
  | { readonly type: 'positionRevealRequested'; readonly runId: string; readonly line: number; readonly column: number }
  | { readonly type: 'cellActivated'; readonly position: number; readonly columnIndex: number };

/** Everything that changes the page: a message from the extension or something the user did. */
export type PageEvent = ExtensionToPageMessage | PageUiEvent;

/** How the Table/Chart switch shows the active tab: the chart to draw, or the table. */
export interface ChartShown {
  readonly runId: string;
  readonly tableIndex: number;
  readonly columns: readonly ColumnMeta[];
  readonly title: string;
  readonly request: ChartRequest | undefined;
  /** No chart chosen and none rendered by the query: the picker opens. */
  readonly openPicker: boolean;
  /** The extension posts this table's chart unasked: wait for it rather than ask. */
  readonly chartFollows: boolean;
}

/** What the reducer asks the page to do; pageEffects.ts carries it out, in order. */
export type PageEffect =
  | { readonly kind: 'post'; readonly message: PageToExtensionMessage }
  | { readonly kind: 'persist'; readonly state: PageState }
  | { readonly kind: 'notice'; readonly notice: NoticeMessage }
  | { readonly kind: 'showEmpty' }
  | { readonly kind: 'showRunning'; readonly run: RunInfo }
  | { readonly kind: 'showError'; readonly run: RunInfo; readonly error: ErrorDisplay }
  /** Lays out a result: header, banners, tabs, toolbar, grid host, chart and status line. */
  | { readonly kind: 'showResults'; readonly meta: ResultsMetaMessage; readonly activeTab: number; readonly filter: string }
  | { readonly kind: 'showHeader'; readonly meta: ResultsMetaMessage; readonly activeTab: number }
  | { readonly kind: 'showPartialErrors'; readonly meta: ResultsMetaMessage }
  | { readonly kind: 'showFilterText'; readonly filter: string }
  | { readonly kind: 'showMode'; readonly chart: ChartShown | undefined; readonly reason: string | undefined }
  | { readonly kind: 'showCount'; readonly text: string }
  | { readonly kind: 'showDetail'; readonly position: number; readonly columnIndex: number; readonly column: ColumnMeta }
  /** Points the row cache and the grid at a view of a table (all rows fetched anew). */
  | {
      readonly kind: 'loadTable';
      readonly view: ViewSpec;
      readonly columns: readonly ColumnMeta[];
      readonly rowCount: number;
      readonly sort: SortSpec | undefined;
      readonly columnWidths: readonly number[] | undefined;
    }
  /** Keeps the rows before `from` (a streamed table grows or settles) and sizes the grid for `rowCount`. */
  | { readonly kind: 'keepRows'; readonly from: number; readonly rowCount: number }
  | { readonly kind: 'setRowCount'; readonly rowCount: number }
  | { readonly kind: 'scrollGrid'; readonly top: number; readonly left: number }
  | { readonly kind: 'fetchFirstPage' }
  | { readonly kind: 'storeRows'; readonly rows: RowsMessage }
  | { readonly kind: 'renderGrid' }
  | { readonly kind: 'loadChartLibrary' }
  | { readonly kind: 'offerChart'; readonly chart: ChartMessage }
  | { readonly kind: 'drawChart'; readonly chart: ChartMessage }
  | { readonly kind: 'writeClipboard'; readonly content: ClipboardContentMessage };

// ---- reading the model ----

export function shownMeta(model: PageModel): ResultsMetaMessage | undefined {
  return model.view.kind === 'results' ? model.view.meta : undefined;
}

export function activeTabIndex(model: PageModel): number {
  return model.saved?.activeTab ?? 0;
}

const NO_TAB_STATE: TabState = { filter: '', scrollTop: 0, scrollLeft: 0 };

export function tabStateOf(model: PageModel, index = activeTabIndex(model)): TabState {
  return model.saved?.tabs[index] ?? NO_TAB_STATE;
}

export function tableMeta(model: PageModel): TableMeta | undefined {
  return shownMeta(model)?.tables[activeTabIndex(model)];
}

/** The view (table, sort, filter) the grid shows: every row request, copy and export names it. */
export function currentView(model: PageModel): ViewSpec {
  const state = tabStateOf(model);
  return { tableIndex: activeTabIndex(model), ...(state.sort ? { sort: state.sort } : {}), ...(state.filter ? { filter: state.filter } : {}) };
}

/** The visualization the query rendered for the active tab, if any. */
export function renderedVisualization(model: PageModel): { type: string } | undefined {
  const meta = shownMeta(model);
  if (!meta) return undefined;
  const perTable = meta.tableVisualizations?.[activeTabIndex(model)];
  if (perTable !== undefined) return perTable ?? undefined;
  return activeTabIndex(model) === 0 ? meta.visualization : undefined;
}

export function currentMode(model: PageModel): ResultsMode {
  const state = tabStateOf(model);
  if (state.mode) return state.mode;
  const rendered = renderedVisualization(model);
  return rendered && rendered.type !== 'table' ? 'chart' : 'table';
}
