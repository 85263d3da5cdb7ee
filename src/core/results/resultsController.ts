// The extension side of the results page, without `vscode`: keeps the current run and its data, answers the
// page's requests (pages of rows of a sorted/filtered view, copy, export) and tells the page what to show.
// ResultsPanel wires it to a real webview; tests drive it directly or through a headless page.

import { createWriteStream } from 'node:fs';
import type { KustoResponse } from '../kusto/resultTypes';
import {
  parsePageMessage,
  type ErrorDisplay,
  type ExportFormat,
  type ExtensionToPageMessage,
  type PageToExtensionMessage,
  type RunInfo,
  type ViewSpec,
} from '../../shared/resultsProtocol';
import { ResultTable, type ResultView } from './resultView';
import { rowsToTsv, writeCsv, writeJson } from './resultExport';
import { detectTruncation, withoutTruncation } from './truncation';
import { webExplorerLink } from '../share/deepLink';
import { resultsAsHtml, resultsAsMarkdown } from '../share/queryAndResults';

/** Most rows "Copy Query and Results" puts on the clipboard (it is for mail and documents, not export). */
export const MAX_SHARED_ROWS = 10_000;

/** What the controller needs from its surroundings (a webview panel, or a test). */
export interface ResultsHost {
  post(message: ExtensionToPageMessage): void;
  writeClipboard(text: string): Promise<void>;
  /** Asks the user where to save an export; a file system path, or undefined when they cancel. */
  chooseExportFile(format: ExportFormat, suggestedFileName: string): Promise<string | undefined>;
  revealPosition(run: RunInfo, line: number, column: number): void;
  /** The row limit requests are sent with, to tell a result cut at the limit. */
  resultRowLimit?(): number | undefined;
  /** Runs `text` on the run's connection (e.g. again without truncation). */
  runAgain?(run: RunInfo, text: string): void;
  readonly log: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

type PanelState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'running'; readonly run: RunInfo; readonly onCancel: () => void }
  | { readonly kind: 'results'; readonly run: RunInfo; readonly response: KustoResponse; readonly tables: ResultTable[] }
  | { readonly kind: 'error'; readonly run: RunInfo; readonly error: ErrorDisplay };

export class ResultsController {
  private state: PanelState = { kind: 'empty' };

  constructor(private readonly host: ResultsHost) {}

  get currentRun(): RunInfo | undefined {
    return this.state.kind === 'empty' ? undefined : this.state.run;
  }

  showRunning(run: RunInfo, onCancel: () => void): void {
    this.state = { kind: 'running', run, onCancel };
    this.host.post(this.stateMessage());
  }

  showResults(run: RunInfo, response: KustoResponse): void {
    this.state = { kind: 'results', run, response, tables: response.primaryResults.map((t) => new ResultTable(t)) };
    this.host.post(this.stateMessage());
  }

  showError(run: RunInfo, error: ErrorDisplay): void {
    this.state = { kind: 'error', run, error };
    this.host.post(this.stateMessage());
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
      case 'results': {
        const r = state.response;
        return {
          type: 'resultsMeta',
          run: state.run,
          endpoint: r.endpoint,
          clientRequestId: r.clientRequestId,
          elapsedMs: r.elapsedMs,
          tables: r.primaryResults.map((t) => ({
            name: t.name,
            kind: t.kind,
            columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
            rowCount: t.rows.length,
          })),
          ...(r.statistics ? { statistics: withoutRaw(r.statistics) } : {}),
          ...(r.visualization ? { visualization: r.visualization } : {}),
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
        if (this.state.kind === 'running' && this.state.run.runId === message.runId) {
          this.state.onCancel();
        }
        return;
      case 'requestRows': {
        const view = this.viewFor(message.runId, message.view);
        if (!view) return;
        this.host.post({
          type: 'rows',
          runId: message.runId,
          requestId: message.requestId,
          view: message.view,
          start: message.start,
          totalRows: view.rowCount,
          rows: view.formattedRows(message.start, message.count),
        });
        return;
      }
      case 'copyText':
        await this.host.writeClipboard(message.text);
        return;
      case 'copyRows': {
        const view = this.viewFor(message.runId, message.view);
        if (!view) return;
        const text = rowsToTsv(view, message.ranges);
        await this.host.writeClipboard(text);
        const rows = text.split('\r\n').length - 2;
        this.host.post({ type: 'notice', level: 'info', message: `Copied ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} with header.` });
        return;
      }
      case 'export':
        await this.exportView(message.runId, message.view, message.format);
        return;
      case 'copyLink': {
        const run = this.runFor(message.runId);
        if (!run) return;
        await this.host.writeClipboard(webExplorerLink(run.clusterUrl, run.database, run.queryText));
        this.host.post({ type: 'notice', level: 'info', message: 'Copied a link that opens this query in the Azure Data Explorer web UI.' });
        return;
      }
      case 'copyQueryAndResults': {
        const view = this.viewFor(message.runId, message.view);
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

  private runFor(runId: string): RunInfo | undefined {
    return this.state.kind !== 'empty' && this.state.run.runId === runId ? this.state.run : undefined;
  }

  /** The view a request names, or undefined when it belongs to an older run (the page catches up by itself). */
  private viewFor(runId: string, spec: ViewSpec): ResultView | undefined {
    if (this.state.kind !== 'results' || this.state.run.runId !== runId) {
      return undefined;
    }
    const table = this.state.tables[spec.tableIndex];
    if (!table) {
      throw new RangeError(`There is no result table ${spec.tableIndex}; this run has ${this.state.tables.length}.`);
    }
    return table.view({ sort: spec.sort, filter: spec.filter });
  }

  private async exportView(runId: string, spec: ViewSpec, format: ExportFormat): Promise<void> {
    const view = this.viewFor(runId, spec);
    if (!view) {
      this.host.post({ type: 'notice', level: 'warning', message: 'These results are no longer current; run the query again to export.' });
      return;
    }
    const suggested = `${safeFileName(view.source.table.name || 'results')}.${format}`;
    const path = await this.host.chooseExportFile(format, suggested);
    if (!path) {
      return;
    }
    const started = Date.now();
    const out = createWriteStream(path, { encoding: 'utf8' });
    const rows = format === 'csv' ? await writeCsv(view, out) : await writeJson(view, out);
    const message = `Exported ${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} to ${path}`;
    this.host.log.info(`${message} in ${Date.now() - started} ms`);
    this.host.post({ type: 'notice', level: 'info', message });
  }
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
