// The extension side of the results page, without `vscode`: keeps the current run and its data, answers the
// page's requests (pages of rows of a sorted/filtered view, copy, export) and tells the page what to show.
// ResultsPanel wires it to a real webview; tests drive it directly or through a headless page.

import type { KustoResponse, KustoTable } from '../kusto/resultTypes';
import {
  parsePageMessage,
  type ChartMessage,
  type ErrorDisplay,
  type ExportFormat,
  type ExtensionToPageMessage,
  type PageToExtensionMessage,
  type ResultsMetaMessage,
  type RowsMessage,
  type RunInfo,
  type ViewSpec,
} from '../../shared/resultsProtocol';
import { ResultTable, type ResultView, type ViewOptions } from './resultView';
import { rowsToTsv, writeCsv, writeJson } from './resultExport';
import { ViewJobs } from './viewJobs';
import { exportLabel, openExport, type ExportTarget } from './exportDestination';
import { isWorkCancelled } from './slicedWork';
import { answerChartRequest, tableVisualizations, writeChartImage } from './chartRequests';
import type { ChartImageFormat } from '../../shared/chartSpec';
import { detectTruncation, withoutTruncation } from './truncation';
import { webExplorerLink } from '../share/deepLink';
import { resultsAsHtml, resultsAsMarkdown } from '../share/queryAndResults';

/** Most rows "Copy Query and Results" puts on the clipboard (it is for mail and documents, not export). */
export const MAX_SHARED_ROWS = 10_000;

/** Rows up to which a rendered table's chart is built at once and sent inside the results message (a few ms). */
export const INLINE_CHART_ROWS = 5_000;

/** What the controller needs from its surroundings (a webview panel, or a test). */
export interface ResultsHost {
  post(message: ExtensionToPageMessage): void;
  writeClipboard(text: string): Promise<void>;
  /**
   * Asks the user where to save an export: a local file system path, a destination the host writes (a remote or
   * virtual workspace), or undefined when they cancel.
   */
  chooseExportFile(format: ExportFormat, suggestedFileName: string): Promise<ExportTarget | undefined>;
  revealPosition(run: RunInfo, line: number, column: number): void;
  /**
   * Runs a long task (an export, a large copy) with visible progress and a way to cancel it; without it, the task
   * runs with neither.
   */
  withProgress?<T>(title: string, task: (report: (done: number, total: number) => void, signal: AbortSignal) => Promise<T>): Promise<T>;
  /** True when CSV/TSV should carry formula-like cells as they are (kusto.results.exportRawFormulas). */
  exportRawFormulas?(): boolean;
  /** Asks the user where to save a chart image; absent where images cannot be saved. */
  chooseImageFile?(format: ChartImageFormat, suggestedFileName: string): Promise<ExportTarget | undefined>;
  /** The row limit requests are sent with, to tell a result cut at the limit. */
  resultRowLimit?(): number | undefined;
  /** Runs `text` on the run's connection (e.g. again without truncation). */
  runAgain?(run: RunInfo, text: string): void;
  readonly log: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

type PanelState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'running'; readonly run: RunInfo; readonly onCancel: () => void }
  | {
      readonly kind: 'results';
      readonly run: RunInfo;
      readonly response: KustoResponse;
      readonly tables: ResultTable[];
      /** Per table: the view being computed in slices, so the extension host is never held by a large view. */
      readonly jobs: ViewJobs[];
      /** Set when the results are the rows a stream had brought when it stopped (cancelled or broken). */
      readonly keptFrom: KustoTable | undefined;
    }
  | { readonly kind: 'error'; readonly run: RunInfo; readonly error: ErrorDisplay }
  | {
      readonly kind: 'streaming';
      readonly run: RunInfo;
      readonly onCancel: () => void;
      /** The primary table as received so far (its row count fixed until the next update). */
      table: KustoTable;
      /** The row count the page was last told. */
      postedRows: number;
    };

/** How often a streaming result's row count is sent to the page at most: often enough to look live. */
export const STREAM_UPDATE_MS = 100;

export class ResultsController {
  private state: PanelState = { kind: 'empty' };
  private streamTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ResultsHost) {}

  get currentRun(): RunInfo | undefined {
    return this.state.kind === 'empty' ? undefined : this.state.run;
  }

  showRunning(run: RunInfo, onCancel: () => void): void {
    this.setState({ kind: 'running', run, onCancel });
  }

  /**
   * Forgets the results shown (their tab was closed): the rows, views and sort keys can be collected. A run still
   * in progress keeps its state, so its results can still open a tab.
   */
  clear(): void {
    if (this.state.kind === 'results' || this.state.kind === 'error') this.setState({ kind: 'empty' });
  }

  /** @param keptFrom the streamed table when these results are what a stopped stream had brought */
  showResults(run: RunInfo, response: KustoResponse, keptFrom?: KustoTable): void {
    const tables = response.primaryResults.map((t) => new ResultTable(t));
    const jobs = tables.map(
      (table, tableIndex) =>
        new ViewJobs(table, (options, progress) =>
          this.host.post({ type: 'viewProgress', runId: run.runId, view: viewSpecOf(tableIndex, options), ...progress }),
        ),
    );
    // A result the query rendered as a chart: its chart goes with it, so the page draws without asking (one round
    // trip less): inside the results message when the table is small, else built once the results message is out,
    // while the page lays out its view.
    const visualization = response.primaryResults.length > 0 ? tableVisualizations(response)[0] : undefined;
    const pushChart = visualization !== undefined && visualization.type !== 'table';
    const state = { kind: 'results', run, response, tables, jobs, keptFrom } as const;
    const chartMessage = (): ChartMessage => ({ ...answerChartRequest(response, { type: 'requestChart', runId: run.runId, tableIndex: 0, requestId: 0 }), pushed: true });
    if (!pushChart) {
      this.setState(state);
    } else if (response.primaryResults[0].rows.length <= INLINE_CHART_ROWS) {
      this.setState(state, { chart: chartMessage() });
    } else {
      this.setState(state, { chartFollows: 0 });
      setTimeout(() => {
        if (this.state.kind === 'results' && this.state.response === response) this.host.post(chartMessage());
      }, 0);
    }
  }

  /**
   * Rows of the run's primary table are arriving: the first call opens the table with the rows so far, later ones
   * grow its row count on the page (at most every STREAM_UPDATE_MS); showResults settles it. Ignored once the run
   * is no longer the one shown (cancelled, replaced, finished).
   */
  showStreaming(run: RunInfo, table: KustoTable): void {
    const state = this.state;
    if (state.kind === 'running' && state.run.runId === run.runId) {
      this.setState({ kind: 'streaming', run, onCancel: state.onCancel, table, postedRows: table.rows.length });
      return;
    }
    if (state.kind !== 'streaming' || state.run.runId !== run.runId) return;
    state.table = table;
    this.streamTimer ??= setTimeout(() => {
      this.streamTimer = undefined;
      const current = this.state;
      if (current.kind !== 'streaming' || current.table.rows.length === current.postedRows) return;
      current.postedRows = current.table.rows.length;
      this.host.post({ type: 'streamRows', runId: current.run.runId, rowCount: current.postedRows });
    }, STREAM_UPDATE_MS);
  }

  /** Shows why the run failed; returns the rows kept instead when it stopped half way through streaming them. */
  showError(run: RunInfo, error: ErrorDisplay): { keptRows: number } | undefined {
    const state = this.state;
    if (state.kind === 'streaming' && state.run.runId === run.runId) {
      // Stopped half way (cancelled, or the stream broke): the rows already shown stay, with the reason above them.
      this.keepStreamedRows(state.run, state.table, error);
      return { keptRows: state.table.rows.length };
    }
    if (state.kind === 'results' && state.run.runId === run.runId && state.keptFrom !== undefined) {
      // A later word on the same stop (e.g. what `.cancel query` achieved) updates the reason, not the rows.
      this.keepStreamedRows(state.run, state.keptFrom, error);
      return { keptRows: state.keptFrom.rows.length };
    }
    this.setState({ kind: 'error', run, error });
    return undefined;
  }

  private keepStreamedRows(run: RunInfo, table: KustoTable, error: ErrorDisplay): void {
    const response: KustoResponse = {
      endpoint: 'query',
      clientRequestId: error.clientRequestId ?? '',
      primaryResults: [table],
      allTables: [table],
      partialErrors: [{ code: error.code ?? 'Error', message: error.message }],
      elapsedMs: Date.now() - run.startedAt,
    };
    this.showResults(run, response, table);
  }

  private setState(state: PanelState, chart?: Pick<ResultsMetaMessage, 'chartFollows' | 'chart'>): void {
    // Work on the views of the results being replaced is of no use any more.
    if (this.state.kind === 'results') for (const jobs of this.state.jobs) jobs.cancel();
    if (this.streamTimer !== undefined) {
      clearTimeout(this.streamTimer);
      this.streamTimer = undefined;
    }
    this.state = state;
    const message = this.stateMessage();
    this.host.post(message.type === 'resultsMeta' && chart ? { ...message, ...chart } : message);
  }

  /** The message that puts a freshly loaded page into the current state. */
  stateMessage(): ExtensionToPageMessage {
    const state = this.state;
    switch (state.kind) {
      case 'empty':
        return { type: 'empty' };
      case 'running':
        return { type: 'running', run: state.run };
      case 'error':
        return { type: 'error', run: state.run, error: state.error };
      case 'streaming':
        return {
          type: 'resultsMeta',
          run: state.run,
          endpoint: 'query',
          clientRequestId: '',
          elapsedMs: Date.now() - state.run.startedAt,
          tables: [tableMetaOf(state.table)],
          partialErrors: [],
          streaming: true,
        };
      case 'results': {
        const r = state.response;
        return {
          type: 'resultsMeta',
          run: state.run,
          endpoint: r.endpoint,
          clientRequestId: r.clientRequestId,
          elapsedMs: r.elapsedMs,
          tables: r.primaryResults.map(tableMetaOf),
          ...(r.statistics ? { statistics: withoutRaw(r.statistics) } : {}),
          ...(r.visualization ? { visualization: r.visualization } : {}),
          ...(r.visualization || r.allTables.some((t) => t.kind === 'QueryProperties')
            ? { tableVisualizations: tableVisualizations(r).map((v) => v ?? null) }
            : {}),
          partialErrors: r.partialErrors,
          ...truncationOf(r, this.host.resultRowLimit?.()),
        };
      }
    }
  }

  /** Handles one message from the page; malformed messages are logged and dropped. */
  async handleMessage(raw: unknown): Promise<void> {
    const message = parsePageMessage(raw);
    if (!message) {
      this.host.log.warn(`Results page sent a message the extension does not understand (type: ${describeType(raw)}).`);
      return;
    }
    try {
      await this.dispatch(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.host.log.error(`Results: ${message.type} failed: ${text}`);
      this.host.post({ type: 'notice', level: 'error', message: text });
    }
  }

  private async dispatch(message: PageToExtensionMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.host.post(this.stateMessage());
        return;
      case 'cancel':
        if ((this.state.kind === 'running' || this.state.kind === 'streaming') && this.state.run.runId === message.runId) {
          this.state.onCancel();
        }
        return;
      case 'requestRows': {
        if (this.state.kind === 'streaming') {
          this.answerStreamingRows(message);
          return;
        }
        const jobs = this.jobsFor(message.runId, message.view);
        if (!jobs) return;
        const known = await jobs.rowsWhenKnown(viewOptionsOf(message.view), message.start, message.count);
        if (!known || !this.isCurrent(message.runId)) return;
        this.host.post(rowsAnswer(message, known.view, known.knownRows, known.complete));
        return;
      }
      case 'copyText':
        await this.host.writeClipboard(message.text);
        return;
      case 'copyRows': {
        const view = await this.viewFor(message.runId, message.view);
        if (!view) return;
        const rawFormulas = this.host.exportRawFormulas?.() === true;
        const copied = await this.withProgress('Copying rows', (onProgress, signal) => rowsToTsv(view, message.ranges, { onProgress, signal, rawFormulas }));
        if (!copied) return;
        await this.host.writeClipboard(copied.text);
        const rows = copied.rows;
        this.host.post({ type: 'notice', level: 'info', message: `Copied ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} with header.` });
        return;
      }
      case 'export':
        await this.exportView(message.runId, message.view, message.format);
        return;
      case 'requestChart':
        if (this.state.kind === 'results' && this.state.run.runId === message.runId) {
          this.host.post(answerChartRequest(this.state.response, message));
        }
        return;
      case 'saveChartImage': {
        if (!this.host.chooseImageFile) throw new Error('Saving chart images is not available here.');
        const target = await this.host.chooseImageFile(message.format, `${safeFileName(message.suggestedName)}.${message.format}`);
        if (target === undefined) return;
        const bytes = await writeChartImage(target, message.format, message.data);
        const label = exportLabel(target);
        this.host.log.info(`Saved a ${message.format.toUpperCase()} chart (${bytes} bytes) to ${label}`);
        this.host.post({ type: 'notice', level: 'info', message: `Saved the chart to ${label}` });
        return;
      }
      case 'copyLink': {
        const run = this.runFor(message.runId);
        if (!run) return;
        await this.host.writeClipboard(webExplorerLink(run.clusterUrl, run.database, run.queryText));
        this.host.post({ type: 'notice', level: 'info', message: 'Copied a link that opens this query in the Azure Data Explorer web UI.' });
        return;
      }
      case 'copyQueryAndResults': {
        const view = await this.viewFor(message.runId, message.view);
        const run = this.runFor(message.runId);
        if (!view || !run) return;
        const shared = {
          clusterUrl: run.clusterUrl,
          database: run.database,
          queryText: run.queryText,
          columns: view.source.table.columns.map((c) => c.name),
          rows: view.formattedRows(0, Math.min(view.rowCount, MAX_SHARED_ROWS)),
          totalRows: view.rowCount,
        };
        this.host.post({ type: 'clipboardContent', html: resultsAsHtml(shared), text: resultsAsMarkdown(shared), rows: shared.rows.length });
        return;
      }
      case 'runWithoutTruncation': {
        const run = this.runFor(message.runId);
        if (run) this.host.runAgain?.(run, withoutTruncation(run.queryText));
        return;
      }
      case 'revealPosition':
        if (this.state.kind === 'error' && this.state.run.runId === message.runId) {
          this.host.revealPosition(this.state.run, message.line, message.column);
        }
        return;
    }
  }

  /** Rows of a table still streaming: in the order received (sort and filter wait for the whole result). */
  private answerStreamingRows(message: Extract<PageToExtensionMessage, { type: 'requestRows' }>): void {
    const state = this.state;
    if (state.kind !== 'streaming' || state.run.runId !== message.runId) return;
    if (message.view.tableIndex !== 0 || message.view.sort || message.view.filter) return;
    const view = new ResultTable(state.table).view();
    this.host.post(rowsAnswer(message, view, view.rowCount, true));
  }

  private runFor(runId: string): RunInfo | undefined {
    return this.state.kind !== 'empty' && this.state.run.runId === runId ? this.state.run : undefined;
  }

  private isCurrent(runId: string): boolean {
    return this.state.kind === 'results' && this.state.run.runId === runId;
  }

  /** The view jobs of the table a request names, or undefined when it belongs to an older run (the page catches up by itself). */
  private jobsFor(runId: string, spec: ViewSpec): ViewJobs | undefined {
    if (this.state.kind !== 'results' || this.state.run.runId !== runId) {
      return undefined;
    }
    const jobs = this.state.jobs[spec.tableIndex];
    if (!jobs) {
      throw new RangeError(`There is no result table ${spec.tableIndex}; this run has ${this.state.tables.length}.`);
    }
    return jobs;
  }

  /** The whole view a request names, computed in slices; undefined for an older run or when a newer view replaced it. */
  private async viewFor(runId: string, spec: ViewSpec): Promise<ResultView | undefined> {
    const view = await this.jobsFor(runId, spec)?.view(viewOptionsOf(spec));
    return view && this.isCurrent(runId) ? view : undefined;
  }

  /** Runs a long task through the host's progress UI when it has one; undefined when the user cancelled it. */
  private async withProgress<T>(
    title: string,
    task: (onProgress: (progress: { rowsWritten: number; totalRows: number }) => void, signal: AbortSignal) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      if (this.host.withProgress) {
        return await this.host.withProgress(title, (report, signal) => task((p) => report(p.rowsWritten, p.totalRows), signal));
      }
      return await task(() => undefined, new AbortController().signal);
    } catch (error) {
      if (!isWorkCancelled(error)) throw error;
      this.host.post({ type: 'notice', level: 'info', message: `${title}: cancelled.` });
      return undefined;
    }
  }

  private async exportView(runId: string, spec: ViewSpec, format: ExportFormat): Promise<void> {
    const view = await this.viewFor(runId, spec);
    if (!view) {
      this.host.post({ type: 'notice', level: 'warning', message: 'These results are no longer current; run the query again to export.' });
      return;
    }
    const suggested = `${safeFileName(view.source.table.name || 'results')}.${format}`;
    const target = await this.host.chooseExportFile(format, suggested);
    if (target === undefined) {
      return;
    }
    const started = Date.now();
    const destination = openExport(target);
    const out = destination.out;
    const rawFormulas = this.host.exportRawFormulas?.() === true;
    let rows: number | undefined;
    try {
      rows = await this.withProgress(`Exporting ${format.toUpperCase()}`, (onProgress, signal) =>
        format === 'csv' ? writeCsv(view, out, { onProgress, signal, rawFormulas }) : writeJson(view, out, { onProgress, signal }),
      );
      if (rows !== undefined) await destination.commit();
    } catch (error) {
      await destination.discard();
      throw error;
    }
    if (rows === undefined) {
      // Cancelled: no half-written file left behind.
      await destination.discard();
      return;
    }
    const message = `Exported ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} to ${destination.label}`;
    this.host.log.info(`${message} in ${Date.now() - started} ms`);
    this.host.post({ type: 'notice', level: 'info', message });
  }
}

function tableMetaOf(table: KustoTable) {
  return { name: table.name, kind: table.kind, columns: table.columns.map((c) => ({ name: c.name, type: c.type })), rowCount: table.rows.length };
}

/** The page's answer to a `requestRows`: the rows it asked for, as the grid shows them; `totalRows` may grow while not `complete`. */
function rowsAnswer(request: Extract<PageToExtensionMessage, { type: 'requestRows' }>, view: ResultView, totalRows: number, complete: boolean): RowsMessage {
  return {
    type: 'rows',
    runId: request.runId,
    requestId: request.requestId,
    view: request.view,
    start: request.start,
    totalRows,
    rows: view.formattedRows(request.start, request.count),
    ...(complete ? {} : { complete: false }),
  };
}

function viewOptionsOf(spec: ViewSpec): ViewOptions {
  return { ...(spec.sort ? { sort: spec.sort } : {}), ...(spec.filter ? { filter: spec.filter } : {}) };
}

function viewSpecOf(tableIndex: number, options: ViewOptions): ViewSpec {
  return { tableIndex, ...(options.sort ? { sort: options.sort } : {}), ...(options.filter ? { filter: options.filter } : {}) };
}

function truncationOf(response: KustoResponse, rowLimit: number | undefined) {
  const truncation = detectTruncation(response, rowLimit);
  return truncation ? { truncation } : {};
}

function withoutRaw<T extends { raw?: unknown }>(statistics: T): Omit<T, 'raw'> {
  const { raw: _raw, ...rest } = statistics;
  return rest;
}

function describeType(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'type' in raw) {
    return JSON.stringify(String((raw as { type: unknown }).type)).slice(0, 40);
  }
  return typeof raw;
}

function safeFileName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'results';
}
