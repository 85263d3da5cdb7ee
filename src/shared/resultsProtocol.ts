// The typed message protocol between the results panel (extension host) and the results webview page.
// Imported by both sides, so it stays free of `vscode` and DOM imports. The page only ever holds the rows it
// shows: it asks for pages of rows of a view (table + sort + filter) and the extension answers from the full data.

import type { KustoErrorInfo, KustoScalarType, QueryStatistics, TableKind, Visualization } from '../core/kusto/resultTypes';
import { parseChartRequest, parseChartImage, type ChartImageFormat, type ChartRequest, type ChartSpec } from './chartSpec';

/** One query run as the results panel knows it. */
export interface RunInfo {
  readonly runId: string;
  readonly clusterUrl: string;
  readonly database: string;
  readonly queryText: string;
  readonly documentUri?: string;
  readonly startedAt: number;
  /** Set when a kept result is shown again from the query history (epoch ms): no request was sent. */
  readonly recalledAt?: number;
}

/** A failed run, as shown to the user. */
export interface ErrorDisplay {
  readonly code?: string;
  readonly message: string;
  /** 1-based line and column in the query text, as Kusto reports them. */
  readonly position?: { readonly line: number; readonly column: number };
  readonly clientRequestId?: string;
  readonly httpStatus?: number;
}

/** A formatted cell: its display text, or null for a null value (shown distinct from an empty string). */
export type CellText = string | null;

export type SortDirection = 'asc' | 'desc';

export interface SortSpec {
  readonly columnIndex: number;
  readonly direction: SortDirection;
}

/** Which rows of which table, in which order: every row request and export names its view. */
export interface ViewSpec {
  readonly tableIndex: number;
  readonly sort?: SortSpec;
  /** Case-insensitive substring over the formatted cells; empty or absent means no filter. */
  readonly filter?: string;
}

export interface ColumnMeta {
  readonly name: string;
  readonly type: KustoScalarType;
}

export interface TableMeta {
  readonly name: string;
  readonly kind: TableKind;
  readonly columns: readonly ColumnMeta[];
  readonly rowCount: number;
}

export type ExportFormat = 'csv' | 'json';

/** A half-open range [start, end) of row positions within a view. */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

// ---- extension → page ----

export interface RunningMessage {
  readonly type: 'running';
  readonly run: RunInfo;
}

export interface ResultsMetaMessage {
  readonly type: 'resultsMeta';
  readonly run: RunInfo;
  readonly endpoint: 'query' | 'mgmt';
  readonly clientRequestId: string;
  readonly elapsedMs: number;
  readonly tables: readonly TableMeta[];
  readonly statistics?: QueryStatistics;
  readonly visualization?: Visualization;
  /** The `render` visualization of each table, by table index (a batch may render several); null for none. */
  readonly tableVisualizations?: readonly (Visualization | null)[];
  readonly partialErrors: readonly KustoErrorInfo[];
  /** Set when the result hit the row or size limit: the page offers to run again without truncation. */
  readonly truncation?: TruncationInfo;
  /**
   * True while the rows still stream in: `tables` holds the primary table with the rows received so far,
   * `streamRows` messages grow its count, and a resultsMeta for the same run without it settles the result.
   */
  readonly streaming?: boolean;
  /**
   * The table whose chart (as the query rendered it) the extension posts right after this message, unasked
   * (`pushed`): the page draws it without asking for it.
   */
  readonly chartFollows?: number;
  /** The chart of the first table, as the query rendered it, when small enough to build at once: no second message. */
  readonly chart?: ChartMessage;
}

/** More rows of a streaming result have arrived: the primary table now has `rowCount` rows. */
export interface StreamRowsMessage {
  readonly type: 'streamRows';
  readonly runId: string;
  readonly rowCount: number;
}

export interface TruncationInfo {
  /** Why, for the user: "the 500,000-row limit" or the server's message. */
  readonly reason: string;
}

/** The query and shown rows for the clipboard: the page writes HTML and text together where it may. */
export interface ClipboardContentMessage {
  readonly type: 'clipboardContent';
  readonly html: string;
  readonly text: string;
  readonly rows: number;
}

/** The answer to requestChart: the chart to draw, or why the table cannot be drawn as asked. */
export interface ChartMessage {
  readonly type: 'chart';
  readonly runId: string;
  readonly tableIndex: number;
  readonly requestId: number;
  /** The choice the chart was built from (the picker shows it): the query's render, the user's, or the guess. */
  readonly request: ChartRequest;
  readonly fromQuery: boolean;
  readonly spec?: ChartSpec;
  readonly error?: string;
  /** Sent unasked with the results (see ResultsMetaMessage.chartFollows); its requestId means nothing. */
  readonly pushed?: boolean;
}

export interface RowsMessage {
  readonly type: 'rows';
  readonly runId: string;
  readonly requestId: number;
  readonly view: ViewSpec;
  readonly start: number;
  /** Rows in the view after filtering (the page sizes its scroll area by it). */
  readonly totalRows: number;
  readonly rows: readonly (readonly CellText[])[];
  /**
   * False while a filter is still looking at the rest of the table: `totalRows` is the matches found so far, and
   * a `viewProgress` message brings the final count. Absent means complete.
   */
  readonly complete?: boolean;
}

/** How far the work on a view (filter, sort) has come; the last one for a view has `complete: true`. */
export interface ViewProgressMessage {
  readonly type: 'viewProgress';
  readonly runId: string;
  readonly view: ViewSpec;
  readonly work: 'filter' | 'sort';
  /** Rows of the table looked at so far, of `tableRows`. */
  readonly scannedRows: number;
  readonly tableRows: number;
  /** Rows the view has so far; the view's row count once complete. */
  readonly viewRows: number;
  readonly complete: boolean;
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly run: RunInfo;
  readonly error: ErrorDisplay;
}

/** A short status line for the page, e.g. "Exported 1,000,000 rows" or why a request failed. */
export interface NoticeMessage {
  readonly type: 'notice';
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
}

/** Nothing to show yet (a fresh panel with no run). */
export interface EmptyMessage {
  readonly type: 'empty';
}

export type ExtensionToPageMessage =
  | RunningMessage
  | ResultsMetaMessage
  | RowsMessage
  | ViewProgressMessage
  | ErrorMessage
  | NoticeMessage
  | EmptyMessage
  | ChartMessage
  | ClipboardContentMessage
  | StreamRowsMessage;

// ---- page → extension ----

export interface ReadyMessage {
  readonly type: 'ready';
}

export interface CancelMessage {
  readonly type: 'cancel';
  readonly runId: string;
}

export interface RequestRowsMessage {
  readonly type: 'requestRows';
  readonly runId: string;
  readonly requestId: number;
  readonly view: ViewSpec;
  readonly start: number;
  readonly count: number;
}

export interface CopyTextMessage {
  readonly type: 'copyText';
  readonly text: string;
}

/** Copy rows of a view (positions within the view) as TSV with a header line. */
export interface CopyRowsMessage {
  readonly type: 'copyRows';
  readonly runId: string;
  readonly view: ViewSpec;
  readonly ranges: readonly RowRange[];
}

export interface ExportMessage {
  readonly type: 'export';
  readonly runId: string;
  readonly view: ViewSpec;
  readonly format: ExportFormat;
}

export interface RevealPositionMessage {
  readonly type: 'revealPosition';
  readonly runId: string;
  readonly line: number;
  readonly column: number;
}

/** Build the chart of a table: as the query rendered it (or the guess) without `request`, else as picked. */
export interface RequestChartMessage {
  readonly type: 'requestChart';
  readonly runId: string;
  readonly tableIndex: number;
  readonly requestId: number;
  readonly request?: ChartRequest;
  /** The x range the user zoomed to: large series come back sampled finely inside it. */
  readonly xWindow?: readonly [number, number];
}

/** Save a chart image the page drew: PNG as base64, SVG as text. The extension asks where. */
export interface SaveChartImageMessage {
  readonly type: 'saveChartImage';
  readonly format: ChartImageFormat;
  readonly data: string;
  readonly suggestedName: string;
}

/** Workflow actions on a run: copy a web link, copy query and results, run again without truncation. */
export interface RunActionMessage {
  readonly type: 'copyLink' | 'runWithoutTruncation';
  readonly runId: string;
}

export interface CopyQueryAndResultsMessage {
  readonly type: 'copyQueryAndResults';
  readonly runId: string;
  readonly view: ViewSpec;
}

export type PageToExtensionMessage =
  | ReadyMessage
  | CancelMessage
  | RequestRowsMessage
  | CopyTextMessage
  | CopyRowsMessage
  | ExportMessage
  | RevealPositionMessage
  | RequestChartMessage
  | SaveChartImageMessage
  | RunActionMessage
  | CopyQueryAndResultsMessage;

/** Types whose cells are right-aligned in the grid and compared as numbers. */
export function isNumericType(type: KustoScalarType): boolean {
  return type === 'int' || type === 'long' || type === 'real' || type === 'decimal';
}

/** Most rows one request may ask for: the page asks for its viewport plus overscan, never the whole table. */
export const MAX_ROWS_PER_REQUEST = 5000;

// ---- validation of what the page sends (the page renders untrusted data, so its messages are checked) ----

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseViewSpec(value: unknown): ViewSpec | undefined {
  if (!isRecord(value) || !isIndex(value.tableIndex)) {
    return undefined;
  }
  let sort: SortSpec | undefined;
  if (value.sort !== undefined && value.sort !== null) {
    const s = value.sort;
    if (!isRecord(s) || !isIndex(s.columnIndex) || (s.direction !== 'asc' && s.direction !== 'desc')) {
      return undefined;
    }
    sort = { columnIndex: s.columnIndex, direction: s.direction };
  }
  if (value.filter !== undefined && typeof value.filter !== 'string') {
    return undefined;
  }
  const filter = typeof value.filter === 'string' && value.filter.length > 0 ? value.filter : undefined;
  return { tableIndex: value.tableIndex, ...(sort ? { sort } : {}), ...(filter ? { filter } : {}) };
}

function parseRanges(value: unknown): RowRange[] | undefined {
  if (!Array.isArray(value)) {
    return undefined;
  }
  const ranges: RowRange[] = [];
  for (const r of value) {
    if (!isRecord(r) || !isIndex(r.start) || !isIndex(r.end) || r.end < r.start) {
      return undefined;
    }
    ranges.push({ start: r.start, end: r.end });
  }
  return ranges;
}

/** Returns the message if it is a well-formed page → extension message, otherwise undefined. */
export function parsePageMessage(raw: unknown): PageToExtensionMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') {
    return undefined;
  }
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'cancel':
      return typeof raw.runId === 'string' ? { type: 'cancel', runId: raw.runId } : undefined;
    case 'requestRows': {
      const view = parseViewSpec(raw.view);
      if (typeof raw.runId !== 'string' || !isIndex(raw.requestId) || !view || !isIndex(raw.start) || !isIndex(raw.count)) {
        return undefined;
      }
      return {
        type: 'requestRows',
        runId: raw.runId,
        requestId: raw.requestId,
        view,
        start: raw.start,
        count: Math.min(raw.count, MAX_ROWS_PER_REQUEST),
      };
    }
    case 'copyText':
      return typeof raw.text === 'string' ? { type: 'copyText', text: raw.text } : undefined;
    case 'copyRows': {
      const view = parseViewSpec(raw.view);
      const ranges = parseRanges(raw.ranges);
      return typeof raw.runId === 'string' && view && ranges ? { type: 'copyRows', runId: raw.runId, view, ranges } : undefined;
    }
    case 'export': {
      const view = parseViewSpec(raw.view);
      const format = raw.format;
      return typeof raw.runId === 'string' && view && (format === 'csv' || format === 'json')
        ? { type: 'export', runId: raw.runId, view, format }
        : undefined;
    }
    case 'revealPosition':
      return typeof raw.runId === 'string' && isIndex(raw.line) && isIndex(raw.column)
        ? { type: 'revealPosition', runId: raw.runId, line: raw.line, column: raw.column }
        : undefined;
    case 'requestChart': {
      if (typeof raw.runId !== 'string' || !isIndex(raw.tableIndex) || !isIndex(raw.requestId)) return undefined;
      const request = raw.request === undefined || raw.request === null ? undefined : parseChartRequest(raw.request);
      if (raw.request !== undefined && raw.request !== null && !request) return undefined;
      const window = raw.xWindow;
      const xWindow =
        Array.isArray(window) && window.length === 2 && window.every((v) => typeof v === 'number' && Number.isFinite(v)) && window[0] <= window[1]
          ? ([window[0], window[1]] as const)
          : undefined;
      if (window !== undefined && window !== null && !xWindow) return undefined;
      return {
        type: 'requestChart',
        runId: raw.runId,
        tableIndex: raw.tableIndex,
        requestId: raw.requestId,
        ...(request ? { request } : {}),
        ...(xWindow ? { xWindow } : {}),
      };
    }
    case 'saveChartImage': {
      const image = parseChartImage(raw.format, raw.data);
      return image && typeof raw.suggestedName === 'string'
        ? { type: 'saveChartImage', format: image.format, data: image.data, suggestedName: raw.suggestedName.slice(0, 120) }
        : undefined;
    }
    case 'copyLink':
    case 'runWithoutTruncation':
      return typeof raw.runId === 'string' ? { type: raw.type, runId: raw.runId } : undefined;
    case 'copyQueryAndResults': {
      const view = parseViewSpec(raw.view);
      return typeof raw.runId === 'string' && view ? { type: 'copyQueryAndResults', runId: raw.runId, view } : undefined;
    }
    default:
      return undefined;
  }
}

/** A stable key for a view, so both sides can cache per view. */
export function viewKey(view: ViewSpec): string {
  const sort = view.sort ? `${view.sort.columnIndex}${view.sort.direction === 'asc' ? '+' : '-'}` : '';
  return `${view.tableIndex}|${sort}|${view.filter ?? ''}`;
}
