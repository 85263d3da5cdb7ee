// Run Query / Cancel Query / New Query: runs the selection or the block under the cursor on the editor's
// connection, shows progress and results in the results panel, maps error positions back to the editor and
// offers sign-in (then runs again) when the cluster needs it.

import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { ActiveConnection } from '../activeConnection';
import { concernsCluster } from '../core/auth/authEvents';
import { toDatabaseConnection } from '../core/connections/rememberedConnections';
import { isManagementCommand } from '../core/kql/commandKind';
import { blockAt, errorPositionInDocument, queryToRun, type QueryBlock, type TextRange } from '../core/kql/queryBlocks';
import { classifyRunError } from '../core/kql/runErrors';
import { isKqlDocument, KQL_LANGUAGE_ID, type EditorConnections } from '../editorConnections';
import type { KustoResponse } from '../core/kusto/resultTypes';
import type { ServerCancelOutcome } from '../core/kusto/serverCancel';
import type { KustoAuth } from '../kustoAuth';
import type { KustoClientProvider } from '../kustoClientProvider';
import type { ResultsPanel, RunInfo } from '../results/resultsPanel';
import { QueryCodeLensProvider } from './queryCodeLens';
import type { RunObserver } from './runObserver';
import { askQueryParameters } from './queryParameterPrompt';

export interface QueryRunnerDeps {
  readonly auth: KustoAuth;
  readonly clients: KustoClientProvider;
  readonly connections: EditorConnections;
  readonly results: ResultsPanel;
  readonly log: vscode.LogOutputChannel;
  /** Told when a run ends (query history, recalled results). */
  readonly runObserver?: RunObserver;
}

/**
 * Arguments kusto.runQuery accepts: a connection override (bound to the editor), a document and a block range
 * (CodeLens), or a Uri (editor title menu). Everything is optional.
 */
export interface RunQueryArguments {
  readonly clusterUrl?: string;
  readonly database?: string;
  readonly uri?: string;
  readonly range?: TextRange;
}

/** Arguments of kusto.newQuery: the connection (else the active one) and optional text, run at once with `run`. */
export interface NewQueryArguments {
  readonly clusterUrl?: string;
  readonly database?: string;
  readonly text?: string;
  readonly run?: boolean;
}

interface RunRequest {
  readonly document: vscode.TextDocument;
  readonly block: QueryBlock;
  readonly connection: ActiveConnection;
  /** Values of the query's declare query_parameters, sent as properties.Parameters. */
  readonly parameters?: Record<string, string | number>;
}

interface ActiveRun {
  readonly info: RunInfo;
  readonly request: RunRequest;
  readonly controller: AbortController;
}

const HIGHLIGHT_MS = 1000;
/** Runs remembered for "reveal error position" clicks on older results. */
const REMEMBERED_RUNS = 20;
/** How long a sign-in started from a failed run may take and still re-run the query. */
const SIGN_IN_WAIT_MS = 10 * 60 * 1000;

export function registerQueryRunner(context: vscode.ExtensionContext, deps: QueryRunnerDeps): void {
  const runner = new QueryRunner(deps, context.workspaceState);
  context.subscriptions.push(runner);
}

class QueryRunner implements vscode.Disposable {
  private current: ActiveRun | undefined;
  /** The run the results panel is about: a late `.cancel query` answer only updates the panel for it. */
  private lastRunId: string | undefined;
  private readonly pastRuns = new Map<string, RunRequest>();
  private readonly highlight = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    borderRadius: '2px',
  });
  private highlightTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('kusto');
  private readonly codeLens: QueryCodeLensProvider;
  private readonly disposables: vscode.Disposable[] = [];
  /** Waits for a sign-in started from a failed run; ended (without re-running) on dispose. */
  private readonly pendingSignIns = new Set<(ready: boolean) => void>();

  constructor(
    private readonly deps: QueryRunnerDeps,
    private readonly workspaceState: vscode.Memento,
  ) {
    this.codeLens = new QueryCodeLensProvider(deps.connections, () =>
      this.current
        ? { documentUri: this.current.request.document.uri.toString(), startLine: this.current.request.block.range.start.line }
        : undefined,
    );
    this.disposables.push(
      this.highlight,
      this.diagnostics,
      this.codeLens,
      vscode.languages.registerCodeLensProvider({ language: KQL_LANGUAGE_ID }, this.codeLens),
      vscode.commands.registerCommand('kusto.runQuery', (argument?: unknown) => this.runCommand(argument)),
      vscode.commands.registerCommand('kusto.cancelQuery', () => this.cancel('user')),
      vscode.commands.registerCommand('kusto.newQuery', (argument?: unknown) => this.newQuery(argument)),
      deps.results.onDidRequestRevealPosition(({ run, line, column }) => void this.revealErrorPosition(run, line, column)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && this.diagnostics.has(event.document.uri)) {
          this.diagnostics.delete(event.document.uri);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.diagnostics.delete(document.uri)),
    );
    void this.setRunningContext(false);
  }

  dispose(): void {
    this.current?.controller.abort();
    this.current = undefined;
    for (const finish of [...this.pendingSignIns]) {
      finish(false);
    }
    if (this.highlightTimer) {
      clearTimeout(this.highlightTimer);
    }
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  private async runCommand(argument: unknown): Promise<void> {
    const request = await this.prepareRun(argument);
    if (request) {
      const asked = await askQueryParameters(this.workspaceState, request.document.uri.toString(), request.block.text);
      if (asked) {
        await this.execute({ ...request, ...(asked.parameters ? { parameters: asked.parameters } : {}) });
      }
    }
  }

  /** Works out document, text and connection, telling the user why when there is nothing to run. */
  private async prepareRun(argument: unknown): Promise<RunRequest | undefined> {
    const args: RunQueryArguments = argument && typeof argument === 'object' && !(argument instanceof vscode.Uri) ? argument : {};
    const targetUri =
      argument instanceof vscode.Uri ? argument.toString() : typeof args.uri === 'string' ? args.uri : undefined;
    let document = vscode.window.activeTextEditor?.document;
    if (targetUri && document?.uri.toString() !== targetUri) {
      document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === targetUri);
      document ??= await vscode.workspace.openTextDocument(vscode.Uri.parse(targetUri, true));
    }
    if (!document || !isKqlDocument(document)) {
      void vscode.window.showInformationMessage('Open a Kusto query (.kql or .csl) editor, put the cursor on a query and run it again.');
      return undefined;
    }

    const text = document.getText();
    let block: QueryBlock | undefined;
    const rangeStart = args.range?.start;
    if (rangeStart && Number.isInteger(rangeStart.line) && Number.isInteger(rangeStart.character)) {
      // The CodeLens range may be stale after edits: take the block that now starts there.
      block = blockAt(text, rangeStart);
    } else {
      const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === document);
      const selection = editor?.selection;
      block = selection
        ? queryToRun(text, { start: selection.start, end: selection.end, active: selection.active })
        : blockAt(text, { line: 0, character: 0 });
    }
    if (!block) {
      void vscode.window.showInformationMessage(
        'Nothing to run here: put the cursor on a query or select the text to run (queries are separated by blank lines).',
      );
      return undefined;
    }
    if (block.commentsOnly) {
      void vscode.window.showInformationMessage('The text to run contains only // comments; there is no query to send.');
      return undefined;
    }

    let connection: ActiveConnection | undefined;
    if (args.clusterUrl !== undefined || args.database !== undefined) {
      connection = toDatabaseConnection(args);
      if (!connection) {
        void vscode.window.showErrorMessage(
          `Cannot run on cluster "${String(args.clusterUrl)}", database "${String(args.database)}": give a valid cluster URL (https://…) and a database name.`,
        );
        return undefined;
      }
      await this.deps.connections.setConnection(document.uri, connection);
    } else {
      connection = this.deps.connections.connectionFor(document);
    }
    if (!connection) {
      const choice = await vscode.window.showWarningMessage('No Kusto cluster is configured to run this query on.', 'Add Cluster');
      if (choice === 'Add Cluster') {
        await vscode.commands.executeCommand('kusto.addCluster');
      }
      return undefined;
    }
    return { document, block, connection };
  }

  private async execute(request: RunRequest): Promise<void> {
    // One results panel, one run at a time: a new run replaces the one in progress.
    this.cancel('replaced');
    const { document, block, connection } = request;
    const info: RunInfo = {
      runId: randomUUID(),
      clusterUrl: connection.clusterUrl,
      database: connection.database,
      queryText: block.text,
      documentUri: document.uri.toString(),
      startedAt: Date.now(),
    };
    const controller = new AbortController();
    const run: ActiveRun = { info, request, controller };
    this.current = run;
    this.lastRunId = info.runId;
    this.rememberRun(info.runId, request);
    this.diagnostics.delete(document.uri);
    this.highlightBlock(document, block);
    this.codeLens.refresh();
    void this.setRunningContext(true);

    const kind = isManagementCommand(block.text) ? 'command' : 'query';
    const runLabel = `${kind} ${info.runId.slice(0, 8)}`;
    this.deps.log.info(`Running ${runLabel} on ${connection.clusterUrl}, database ${connection.database}`);
    this.deps.results.showRunning(info, () => {
      if (this.current === run) {
        this.cancel('user');
      }
    });

    try {
      const client = await this.deps.clients.get();
      const response: KustoResponse = await client.execute({
        clusterUrl: connection.clusterUrl,
        database: connection.database,
        text: block.text,
        ...(request.parameters ? { properties: { Parameters: request.parameters } } : {}),
        ...this.deps.clients.requestDefaults(),
        signal: controller.signal,
        onServerCancel: (outcome) => this.showServerCancel(info, runLabel, outcome),
        // Large results show their first rows while the rest still streams in.
        onPrimaryRows: (table) => this.current === run && this.deps.results.showStreaming(info, table),
      });
      if (this.current !== run) {
        return;
      }
      const rows = response.primaryResults.reduce((sum, table) => sum + table.rows.length, 0);
      this.deps.log.info(
        `Finished ${runLabel} on ${connection.clusterUrl}, database ${connection.database}: ${rows} rows in ` +
          `${response.primaryResults.length} table(s), ${Math.round(response.elapsedMs)} ms, request id ${response.clientRequestId}`,
      );
      for (const partial of response.partialErrors) {
        this.deps.log.warn(`${runLabel} returned partial results: ${partial.code}: ${partial.message}`);
      }
      this.deps.results.showResults(info, response);
      this.deps.runObserver?.onRunFinished({ info, outcome: 'ok', durationMs: Date.now() - info.startedAt, rows, response });
    } catch (error) {
      const outcome = classifyRunError(error, {
        clusterUrl: connection.clusterUrl,
        block,
        aborted: controller.signal.aborted,
      });
      const requestId = outcome.display.clientRequestId ? `, request id ${outcome.display.clientRequestId}` : '';
      if (outcome.kind === 'cancelled') {
        // cancel() already updated the panel (or a newer run owns it); a cancel from elsewhere still shows.
        this.deps.log.info(`Cancelled ${runLabel} after ${Date.now() - info.startedAt} ms${requestId}`);
        this.deps.runObserver?.onRunFinished({ info, outcome: 'cancelled', durationMs: Date.now() - info.startedAt });
        if (this.current === run) {
          this.deps.results.showError(info, outcome.display);
        }
        return;
      }
      this.deps.log.error(
        `Failed ${runLabel} on ${connection.clusterUrl}, database ${connection.database} after ${Date.now() - info.startedAt} ms` +
          `${outcome.display.code ? ` (${outcome.display.code})` : ''}${requestId}: ${outcome.display.message}`,
      );
      this.deps.runObserver?.onRunFinished({ info, outcome: 'error', durationMs: Date.now() - info.startedAt, errorCode: outcome.display.code });
      if (this.current !== run) {
        return;
      }
      this.deps.results.showError(info, outcome.display);
      if (outcome.kind === 'signInRequired') {
        void this.offerSignIn(outcome.clusterUrl, request);
      } else if (outcome.documentPosition) {
        this.showErrorDiagnostic(document, outcome.documentPosition, outcome.display.message);
      }
    } finally {
      if (this.current === run) {
        this.current = undefined;
        this.codeLens.refresh();
        void this.setRunningContext(false);
      }
    }
  }

  /** Stops the run in progress; a user's cancel also tells the results panel at once. */
  private cancel(reason: 'user' | 'replaced'): void {
    const run = this.current;
    if (!run) {
      return;
    }
    this.deps.log.info(`Cancelling run ${run.info.runId.slice(0, 8)} (${reason === 'user' ? 'cancelled by the user' : 'replaced by a new run'})`);
    this.current = undefined;
    run.controller.abort();
    if (reason === 'user') {
      const query = !isManagementCommand(run.info.queryText);
      this.deps.results.showError(run.info, {
        code: 'Cancelled',
        message: query ? 'The query was cancelled. Asking the cluster to stop it too (.cancel query)…' : 'The command was cancelled.',
      });
    }
    this.codeLens.refresh();
    void this.setRunningContext(false);
  }

  /** What `.cancel query` achieved: shown while the panel is still about that run; a failure is only logged. */
  private showServerCancel(info: RunInfo, runLabel: string, outcome: ServerCancelOutcome): void {
    if (outcome.status === 'failed') {
      this.deps.log.warn(
        `Could not cancel ${runLabel} on ${info.clusterUrl} (.cancel query, request id ${outcome.clientRequestId}); it may run until its timeout: ` +
          `${outcome.code ? `${outcome.code}: ` : ''}${outcome.message}`,
      );
    } else {
      this.deps.log.info(`.cancel query for ${runLabel} (request id ${outcome.clientRequestId}): ${outcome.message}`);
    }
    if (this.lastRunId !== info.runId || this.current !== undefined) {
      return;
    }
    const message =
      outcome.status === 'cancelled'
        ? 'The query was cancelled on the server: the cluster stopped it (.cancel query).'
        : outcome.status === 'notRunning'
          ? 'The query was cancelled. The cluster had already finished running it.'
          : 'The query was cancelled here; the cluster could not be told to stop it (see the Kusto output for why).';
    this.deps.results.showError(info, { code: 'Cancelled', message, clientRequestId: outcome.clientRequestId });
  }

  private async offerSignIn(clusterUrl: string, request: RunRequest): Promise<void> {
    const action = 'Sign In';
    const choice = await vscode.window.showWarningMessage(`Sign in to ${clusterUrl} to run this query.`, action);
    if (choice !== action) {
      return;
    }
    // Sign-in may finish after the command returns (device code in a browser): wait for the session, once.
    let finish: (ready: boolean) => void = () => undefined;
    const sessionReady = new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => finish(false), SIGN_IN_WAIT_MS);
      const subscription = this.deps.auth.onDidChangeSessions((event) => {
        if (!concernsCluster(event, clusterUrl)) {
          return; // another cluster's new token
        }
        void this.deps.auth.hasSession(clusterUrl).then((ready) => ready && finish(true), () => undefined);
      });
      finish = (ready: boolean) => {
        clearTimeout(timeout);
        subscription.dispose();
        this.pendingSignIns.delete(finish);
        resolve(ready);
      };
      this.pendingSignIns.add(finish);
    });
    try {
      await vscode.commands.executeCommand('kusto.signIn', clusterUrl);
    } catch (error) {
      this.deps.log.warn(`Sign-in to ${clusterUrl} did not complete: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (await this.deps.auth.hasSession(clusterUrl).catch(() => false)) {
      finish(true);
    }
    const ready = await sessionReady;
    if (ready) {
      this.deps.log.info(`Signed in to ${clusterUrl}; running the query again.`);
      await this.execute(request);
    }
  }

  private async newQuery(argument: unknown): Promise<void> {
    const args: NewQueryArguments = argument && typeof argument === 'object' ? argument : {};
    let connection: ActiveConnection | undefined = this.deps.connections.active;
    if (args.clusterUrl !== undefined || args.database !== undefined) {
      connection = toDatabaseConnection(args);
      if (!connection) {
        void vscode.window.showErrorMessage(
          `Cannot open a query for cluster "${String(args.clusterUrl)}", database "${String(args.database)}": the cluster URL or database name is not valid.`,
        );
        return;
      }
    }
    const document = await vscode.workspace.openTextDocument({ language: KQL_LANGUAGE_ID, content: args.text ?? '' });
    if (connection) {
      await this.deps.connections.setConnection(document.uri, connection);
    }
    const editor = await vscode.window.showTextDocument(document);
    const end = document.lineAt(document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    if (args.run && args.text?.trim()) {
      await this.runCommand({ uri: document.uri.toString(), range: { start: { line: 0, character: 0 }, end } });
    }
  }

  /** The results panel reports positions as Kusto did (in the query text); map them through the run's block. */
  private async revealErrorPosition(run: RunInfo, line: number, column: number): Promise<void> {
    const request = this.pastRuns.get(run.runId);
    const uri = request?.document.uri.toString() ?? run.documentUri;
    if (!uri) {
      return;
    }
    try {
      const document =
        vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri) ??
        (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true)));
      const block = request?.block ?? blockAt(document.getText(), { line: 0, character: 0 });
      const target = block
        ? errorPositionInDocument(block, { line, column })
        : { line: Math.max(line - 1, 0), character: Math.max(column - 1, 0) };
      const position = document.validatePosition(new vscode.Position(target.line, target.character));
      const editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch (error) {
      void vscode.window.showWarningMessage(
        `Could not open the query document to show the error position: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private showErrorDiagnostic(document: vscode.TextDocument, target: { line: number; character: number }, message: string): void {
    const position = document.validatePosition(new vscode.Position(target.line, target.character));
    const range = document.getWordRangeAtPosition(position) ?? new vscode.Range(position, position.translate(0, 1));
    const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'Kusto';
    this.diagnostics.set(document.uri, [diagnostic]);
  }

  private highlightBlock(document: vscode.TextDocument, block: QueryBlock): void {
    const range = new vscode.Range(
      block.range.start.line,
      block.range.start.character,
      block.range.end.line,
      block.range.end.character,
    );
    const editors = vscode.window.visibleTextEditors.filter((editor) => editor.document === document);
    for (const editor of editors) {
      editor.setDecorations(this.highlight, [range]);
    }
    if (this.highlightTimer) {
      clearTimeout(this.highlightTimer);
    }
    this.highlightTimer = setTimeout(() => {
      this.highlightTimer = undefined;
      for (const editor of vscode.window.visibleTextEditors) {
        editor.setDecorations(this.highlight, []);
      }
    }, HIGHLIGHT_MS);
  }

  private rememberRun(runId: string, request: RunRequest): void {
    this.pastRuns.set(runId, request);
    while (this.pastRuns.size > REMEMBERED_RUNS) {
      this.pastRuns.delete(this.pastRuns.keys().next().value as string);
    }
  }

  private setRunningContext(running: boolean): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', 'kusto.queryRunning', running);
  }
}
