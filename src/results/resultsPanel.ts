// The one results panel: a webview beside the editor, reused by every run. The extension keeps the data
// (ResultsController); the page only asks for the rows it shows, so hiding the panel costs nothing and a page
// that VS Code recreates on show simply says "ready" and asks again (no retainContextWhenHidden).

import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { KustoResponse, KustoTable } from '../core/kusto/resultTypes';
import { ResultsController, type ResultsHost } from '../core/results/resultsController';
import { resultsPageDocument } from '../core/results/resultsPageDocument';
import type { ExportTarget } from '../core/results/exportDestination';
import { exportTargetOf } from './exportTarget';
import type { ErrorDisplay, ExportFormat, ExtensionToPageMessage, RunInfo } from '../shared/resultsProtocol';
import { chartScriptUri, chooseChartImageFile } from './chartGlue';

export type { ErrorDisplay, RunInfo } from '../shared/resultsProtocol';

const VIEW_TYPE = 'kusto.results';

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private controller: ResultsController;
  /** Pinned tabs keep their run; the next run opens a new tab. Each keeps its own controller (and data). */
  private readonly pinned = new Map<vscode.WebviewPanel, { controller: ResultsController; disposables: vscode.Disposable[] }>();
  private readonly revealPositionEmitter = new vscode.EventEmitter<{ run: RunInfo; line: number; column: number }>();
  private readonly log: vscode.LogOutputChannel;
  private streamTitleAt = 0;

  /** Fires when the user clicks the position of a query error. */
  readonly onDidRequestRevealPosition = this.revealPositionEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    deps: { log: vscode.LogOutputChannel },
  ) {
    this.log = deps.log;
    this.controller = this.createController();
    // A results tab left open when the window closed comes back on reload; the data of that run is gone, so the
    // panel is adopted and says how to get results again instead of staying blank.
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: async (restored) => {
          if (this.panel) {
            restored.dispose();
            return;
          }
          this.adopt(restored);
        },
      }),
    );
  }

  showRunning(run: RunInfo, onCancel: () => void): void {
    this.reveal();
    this.setTitle('Kusto Results (running…)');
    this.controller.showRunning(run, onCancel);
  }

  /** The primary table's rows so far, while they stream in (see ResultsController.showStreaming). */
  showStreaming(run: RunInfo, table: KustoTable): void {
    if (this.controller.currentRun?.runId !== run.runId) return;
    const now = Date.now();
    if (now - this.streamTitleAt >= 250) {
      this.streamTitleAt = now;
      this.setTitle(`Kusto Results (${table.rows.length.toLocaleString('en-US')} rows so far…)`);
    }
    this.controller.showStreaming(run, table);
  }

  showResults(run: RunInfo, response: KustoResponse): void {
    this.reveal();
    const rows = response.primaryResults.reduce((sum, t) => sum + t.rows.length, 0);
    this.setTitle(`Kusto Results (${rows.toLocaleString('en-US')} rows)`);
    this.controller.showResults(run, response);
  }

  showError(run: RunInfo, error: ErrorDisplay): void {
    this.reveal();
    const kept = this.controller.showError(run, error);
    const stopped = error.code === 'Cancelled' ? 'cancelled' : 'incomplete';
    this.setTitle(kept ? `Kusto Results (${kept.keptRows.toLocaleString('en-US')} rows, ${stopped})` : 'Kusto Results (error)');
  }

  /** Keeps the current results tab as it is; the next run opens a new tab. */
  pin(): boolean {
    const panel = this.panel;
    if (!panel) return false;
    this.pinned.set(panel, { controller: this.controller, disposables: this.panelDisposables });
    this.panelDisposables = [];
    this.panel = undefined;
    this.controller = this.createController();
    const run = this.pinned.get(panel)!.controller.currentRun;
    panel.title = `Pinned: ${run ? run.queryText.replace(/\s+/g, ' ').slice(0, 30) : 'Kusto Results'}`;
    return true;
  }

  get pinnedCount(): number {
    return this.pinned.size;
  }

  dispose(): void {
    for (const [panel, { disposables }] of this.pinned) {
      for (const d of disposables) d.dispose();
      panel.dispose();
    }
    this.pinned.clear();
    this.disposePanel();
    this.panel?.dispose();
    this.revealPositionEmitter.dispose();
  }

  /** A controller whose messages go to the panel it belongs to: the current one, or the pinned tab it stays with. */
  private createController(): ResultsController {
    let controller: ResultsController | undefined = undefined;
    const host: ResultsHost = {
      post: (message) => this.post(this.panelOf(controller), message),
      writeClipboard: async (text) => vscode.env.clipboard.writeText(text),
      chooseExportFile: (format, suggestedFileName) => this.chooseExportFile(format, suggestedFileName),
      revealPosition: (run, line, column) => this.revealPositionEmitter.fire({ run, line, column }),
      resultRowLimit: () => vscode.workspace.getConfiguration('kusto').get<number>('query.resultRowLimit'),
      runAgain: (run, text) => void runAgainWithoutLimit(run, text),
      withProgress: (title, task) => withCancellableProgress(title, task),
      exportRawFormulas: () => vscode.workspace.getConfiguration('kusto.results').get<boolean>('exportRawFormulas', false) === true,
      chooseImageFile: (format, suggestedFileName) => chooseChartImageFile(format, suggestedFileName),
      log: this.log,
    };
    controller = new ResultsController(host);
    return controller;
  }

  private panelOf(controller: ResultsController | undefined): vscode.WebviewPanel | undefined {
    if (controller === this.controller) return this.panel;
    for (const [panel, pinned] of this.pinned) {
      if (pinned.controller === controller) return panel;
    }
    return undefined;
  }

  private post(panel: vscode.WebviewPanel | undefined, message: ExtensionToPageMessage): void {
    // A hidden or not-yet-loaded page drops messages; it sends "ready" when it (re)loads and gets the state then.
    void panel?.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.log.warn(`Results: could not send ${message.type} to the page: ${String(error)}`);
    });
  }

  private setTitle(title: string): void {
    if (this.panel) this.panel.title = title;
  }

  private reveal(): void {
    if (this.panel) {
      if (!this.panel.visible) this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
      return;
    }
    this.adopt(
      vscode.window.createWebviewPanel(
        VIEW_TYPE,
        'Kusto Results',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [this.webviewRoot()], enableFindWidget: false },
      ),
    );
  }

  private webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  /** Makes `panel` the one results panel: page, options and message wiring (new or restored after a reload). */
  private adopt(panel: vscode.WebviewPanel): void {
    const webviewRoot = this.webviewRoot();
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    this.panel = panel;
    panel.title = 'Kusto Results';
    panel.webview.html = resultsPageHtml(panel.webview, webviewRoot);
    // The page talks to the controller it was created with, also after it is pinned.
    const controller = this.controller;
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => controller.handleMessage(message)),
      panel.onDidDispose(() => {
        const pinned = this.pinned.get(panel);
        if (pinned) {
          this.pinned.delete(panel);
          for (const d of pinned.disposables) d.dispose();
          return;
        }
        this.panel = undefined;
        this.disposePanel();
        // Closing the results tab lets go of its result (memory back), unless a run is still filling it.
        controller.clear();
      }),
    );
  }

  private disposePanel(): void {
    for (const d of this.panelDisposables.splice(0)) d.dispose();
  }

  private async chooseExportFile(format: ExportFormat, suggestedFileName: string): Promise<ExportTarget | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Export results as ${format.toUpperCase()}`,
      saveLabel: 'Export',
      defaultUri: folder ? vscode.Uri.joinPath(folder, suggestedFileName) : undefined,
      filters: format === 'csv' ? { 'CSV (comma-separated)': ['csv'] } : { JSON: ['json'] },
    });
    return uri ? exportTargetOf(uri) : undefined;
  }
}

/** The page's HTML: strict CSP with a fresh nonce; script and styles only from dist/webview. */
export function resultsPageHtml(webview: vscode.Webview, webviewRoot: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const scriptUri = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'main.js'));
  const styleUri = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'styles.css'));
  return resultsPageDocument({
    cspSource: webview.cspSource,
    nonce,
    scriptUri: scriptUri.toString(),
    styleUri: styleUri.toString(),
    chartScriptUri: chartScriptUri(webview, webviewRoot),
  });
}

/** A notification with a progress bar (rows done of total) and a Cancel button, for exports and large copies. */
function withCancellableProgress<T>(
  title: string,
  task: (report: (done: number, total: number) => void, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      try {
        return await task((done, total) => {
          if (total <= 0) return;
          const percent = (done / total) * 100;
          progress.report({
            increment: percent - reported,
            message: `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`,
          });
          reported = percent;
        }, controller.signal);
      } finally {
        subscription.dispose();
      }
    }),
  );
}

/** Runs `text` (the query with `set notruncation;`) in a new editor on the run's connection, after a warning. */
async function runAgainWithoutLimit(run: RunInfo, text: string): Promise<void> {
  const choice = await vscode.window.showWarningMessage(
    'Run the query again without truncation? Its result may be very large: it all comes over the network and is held in memory.',
    { modal: true },
    'Run Without Truncation',
  );
  if (choice !== 'Run Without Truncation') return;
  await vscode.commands.executeCommand('kusto.newQuery', { clusterUrl: run.clusterUrl, database: run.database, text, run: true });
}
