// Query History: a view in the Kusto sidebar and the quick pick "Kusto: Show Query History". Each run's text,
// connection, when, how long, rows and outcome; search; open in an editor; run again; show the result again
// (recalled from this session's memory, no request); delete one or all. The history file lives in the
// extension's global storage; the results recalled live only in memory for this session.

import * as vscode from 'vscode';
import { tryParseClusterUrl } from '../core/clusterUrl';
import { FileHistoryStore } from '../core/history/historyStore';
import {
  QueryHistory,
  formatDuration,
  historyTitle,
  outcomeLabel,
  searchHistory,
  type HistoryEntry,
} from '../core/history/queryHistory';
import { DEFAULT_RECALL_BUDGET_BYTES, RecalledResults, responseBytes } from '../core/history/recalledResults';
import type { KustoResponse } from '../core/kusto/resultTypes';
import type { FinishedRun, RunObserver } from '../query/runObserver';
import type { ResultsPanel } from '../results/resultsPanel';
import type { RunInfo } from '../shared/resultsProtocol';

const VIEW_ID = 'kusto.history';

interface RecalledRun {
  readonly info: RunInfo;
  readonly response: KustoResponse;
}

export interface QueryHistoryDeps {
  readonly results: ResultsPanel;
  readonly log: vscode.LogOutputChannel;
}

export interface QueryHistoryFeature extends RunObserver {
  /** The response kept for a run of this session, if it is still within the budget. */
  recalled(runId: string): RecalledRun | undefined;
}

export function registerQueryHistory(context: vscode.ExtensionContext, deps: QueryHistoryDeps): QueryHistoryFeature {
  const feature = new QueryHistoryController(context, deps);
  context.subscriptions.push(feature);
  return feature;
}

class HistoryItem extends vscode.TreeItem {
  constructor(
    readonly entry: HistoryEntry,
    recallable: boolean,
  ) {
    super(historyTitle(entry), vscode.TreeItemCollapsibleState.None);
    this.id = entry.id;
    this.description = `${shortHost(entry.clusterUrl)}/${entry.database} · ${formatWhen(entry.startedAt)} · ${formatDuration(entry.durationMs)} · ${outcomeLabel(entry)}`;
    this.tooltip = entryTooltip(entry, recallable);
    this.iconPath = new vscode.ThemeIcon(
      entry.outcome === 'ok' ? 'pass' : entry.outcome === 'error' ? 'error' : 'circle-slash',
      new vscode.ThemeColor(entry.outcome === 'ok' ? 'testing.iconPassed' : entry.outcome === 'error' ? 'testing.iconFailed' : 'disabledForeground'),
    );
    this.contextValue = recallable ? 'kusto.historyEntry.recallable' : 'kusto.historyEntry';
    this.accessibilityInformation = { label: `${historyTitle(entry, 200)}, ${this.description}` };
    this.command = { command: 'kusto.history.open', title: 'Open in Editor', arguments: [this] };
  }
}

class QueryHistoryController implements QueryHistoryFeature, vscode.TreeDataProvider<HistoryItem>, vscode.Disposable {
  private readonly history: QueryHistory;
  private readonly recall: RecalledResults<RecalledRun>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly view: vscode.TreeView<HistoryItem>;
  private filter = '';
  /** Writes in flight, so the view and tests can wait for the latest state. */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    context: vscode.ExtensionContext,
    private readonly deps: QueryHistoryDeps,
  ) {
    const folder = context.globalStorageUri.fsPath;
    this.history = new QueryHistory(new FileHistoryStore(folder), {
      onProblem: (message) => {
        deps.log.warn(`Query history: ${message}`);
        void vscode.window.showWarningMessage(message);
      },
    });
    this.recall = new RecalledResults<RecalledRun>(recallBudget());
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: false });
    this.disposables.push(
      this.view,
      this.changed,
      this.view.onDidChangeVisibility((event) => event.visible && this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('kusto.results.recallBudgetMB')) {
          this.recall.setBudget(recallBudget());
          this.changed.fire();
        }
      }),
      vscode.commands.registerCommand('kusto.history.show', () => this.showQuickPick()),
      vscode.commands.registerCommand('kusto.history.refresh', () => this.changed.fire()),
      vscode.commands.registerCommand('kusto.history.search', () => this.askFilter()),
      vscode.commands.registerCommand('kusto.history.clearSearch', () => this.setFilter('')),
      vscode.commands.registerCommand('kusto.history.open', (item?: unknown) => this.withEntry(item, (e) => this.open(e, false))),
      vscode.commands.registerCommand('kusto.history.runAgain', (item?: unknown) => this.withEntry(item, (e) => this.open(e, true))),
      vscode.commands.registerCommand('kusto.history.showResult', (item?: unknown) => this.withEntry(item, (e) => this.showRecalled(e))),
      vscode.commands.registerCommand('kusto.history.delete', (item?: unknown) => this.withEntry(item, (e) => this.remove(e))),
      vscode.commands.registerCommand('kusto.history.deleteAll', () => this.removeAll()),
    );
    void vscode.commands.executeCommand('setContext', 'kusto.historyFiltered', false);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.recall.clear();
  }

  onRunFinished(run: FinishedRun): void {
    if (!historyEnabled()) return;
    if (run.response) {
      const bytes = responseBytes(run.response);
      const { kept, evicted } = this.recall.keep(run.info.runId, { info: run.info, response: run.response }, bytes);
      if (!kept) this.deps.log.info(`Query history: the result of ${run.info.runId.slice(0, 8)} (${bytes} bytes) is larger than the recall budget; it is not kept.`);
      if (evicted.length > 0) this.deps.log.info(`Query history: ${evicted.length} older result(s) dropped to stay within the recall budget.`);
    }
    const entry: HistoryEntry = {
      id: run.info.runId,
      text: run.info.queryText,
      clusterUrl: run.info.clusterUrl,
      database: run.info.database,
      startedAt: run.info.startedAt,
      durationMs: run.durationMs,
      outcome: run.outcome,
      ...(run.rows !== undefined ? { rows: run.rows } : {}),
      ...(run.errorCode ? { errorCode: run.errorCode } : {}),
    };
    this.track(this.history.add(entry));
  }

  recalled(runId: string): RecalledRun | undefined {
    return this.recall.get(runId);
  }

  // ---- tree ----

  getTreeItem(item: HistoryItem): vscode.TreeItem {
    return item;
  }

  async getChildren(parent?: HistoryItem): Promise<HistoryItem[]> {
    if (parent) return [];
    await this.pending;
    const entries = await this.entries();
    this.view.message = !historyEnabled()
      ? 'Query history is off (setting kusto.history.enabled).'
      : this.filter
        ? `${entries.length} run(s) matching "${this.filter}"`
        : entries.length === 0
          ? 'Runs of queries show here.'
          : undefined;
    return entries.map((entry) => new HistoryItem(entry, this.recall.has(entry.id)));
  }

  private async entries(): Promise<HistoryEntry[]> {
    try {
      return searchHistory(await this.history.list(), this.filter);
    } catch (error) {
      this.deps.log.error(`Query history could not be read: ${describe(error)}`);
      return [];
    }
  }

  // ---- commands ----

  private async showQuickPick(): Promise<void> {
    await this.pending;
    const entries = await this.entries();
    if (entries.length === 0) {
      void vscode.window.showInformationMessage(historyEnabled() ? 'The query history is empty: run a query first.' : 'Query history is off (setting kusto.history.enabled).');
      return;
    }
    type Item = vscode.QuickPickItem & { entry: HistoryEntry };
    const runAgain: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('play'), tooltip: 'Run Again' };
    const showResult: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('table'), tooltip: 'Show Result Again (no new request)' };
    const remove: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('trash'), tooltip: 'Delete from History' };
    const clearAll: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('clear-all'), tooltip: 'Delete All History' };
    const toItem = (entry: HistoryEntry): Item => ({
      entry,
      label: historyTitle(entry),
      description: `${shortHost(entry.clusterUrl)}/${entry.database} · ${outcomeLabel(entry)}`,
      detail: `${formatWhen(entry.startedAt)} · ${formatDuration(entry.durationMs)} · ${entry.text.replace(/\s+/g, ' ').slice(0, 200)}`,
      buttons: this.recall.has(entry.id) ? [runAgain, showResult, remove] : [runAgain, remove],
    });
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = 'Kusto Query History';
    pick.placeholder = 'Search runs by text, cluster, database or outcome; Enter opens the query in an editor';
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    pick.buttons = [clearAll];
    pick.items = entries.map(toItem);
    const done = new Promise<void>((resolve) => pick.onDidHide(() => resolve()));
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      pick.hide();
      if (chosen) void this.open(chosen.entry, false);
    });
    pick.onDidTriggerItemButton(async ({ button, item }) => {
      if (button === remove) {
        await this.remove(item.entry);
        pick.items = pick.items.filter((i) => i.entry.id !== item.entry.id);
        return;
      }
      pick.hide();
      if (button === runAgain) await this.open(item.entry, true);
      else if (button === showResult) await this.showRecalled(item.entry);
    });
    pick.onDidTriggerButton(async () => {
      pick.hide();
      await this.removeAll();
    });
    pick.show();
    await done;
    pick.dispose();
  }

  private async askFilter(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'Search Query History',
      prompt: 'Words to find in the query text, cluster, database or outcome (e.g. "StormEvents error")',
      value: this.filter,
    });
    if (value !== undefined) this.setFilter(value.trim());
  }

  private setFilter(value: string): void {
    this.filter = value;
    void vscode.commands.executeCommand('setContext', 'kusto.historyFiltered', value.length > 0);
    this.changed.fire();
  }

  private async open(entry: HistoryEntry, run: boolean): Promise<void> {
    await vscode.commands.executeCommand('kusto.newQuery', { clusterUrl: entry.clusterUrl, database: entry.database, text: entry.text, run });
  }

  private async showRecalled(entry: HistoryEntry): Promise<void> {
    const kept = this.recall.get(entry.id);
    if (!kept) {
      const choice = await vscode.window.showInformationMessage(
        'This result is no longer in memory (only this session\'s results are kept, within kusto.results.recallBudgetMB).',
        'Run Again',
      );
      if (choice === 'Run Again') await this.open(entry, true);
      return;
    }
    this.deps.log.info(`Showing the kept result of ${entry.id.slice(0, 8)} again (no request sent).`);
    this.deps.results.showResults({ ...kept.info, recalledAt: Date.now() }, kept.response);
  }

  private async remove(entry: HistoryEntry): Promise<void> {
    this.recall.drop(entry.id);
    this.track(this.history.remove(entry.id));
    await this.pending;
  }

  private async removeAll(): Promise<void> {
    const choice = await vscode.window.showWarningMessage('Delete every run from the Kusto query history?', { modal: true }, 'Delete All');
    if (choice !== 'Delete All') return;
    this.recall.clear();
    this.track(this.history.clear());
    await this.pending;
  }

  private async withEntry(item: unknown, action: (entry: HistoryEntry) => Promise<void>): Promise<void> {
    const entry = item instanceof HistoryItem ? item.entry : this.view.selection[0]?.entry;
    if (!entry) {
      await this.showQuickPick();
      return;
    }
    await action(entry);
  }

  private track(write: Promise<void>): void {
    const done = write.then(
      () => this.changed.fire(),
      (error: unknown) => {
        this.deps.log.error(`Query history could not be saved: ${describe(error)}`);
        void vscode.window.showWarningMessage(`Query history could not be saved: ${describe(error)}`);
      },
    );
    this.pending = Promise.all([this.pending, done]);
  }
}

function historyEnabled(): boolean {
  return vscode.workspace.getConfiguration('kusto').get<boolean>('history.enabled') ?? true;
}

function recallBudget(): number {
  const mb = vscode.workspace.getConfiguration('kusto').get<number>('results.recallBudgetMB');
  return typeof mb === 'number' && Number.isFinite(mb) && mb >= 0 ? mb * 1024 * 1024 : DEFAULT_RECALL_BUDGET_BYTES;
}

function shortHost(clusterUrl: string): string {
  try {
    // A Log Analytics workspace / Application Insights app is named, not its proxy host.
    return tryParseClusterUrl(clusterUrl)?.monitor?.displayName ?? new URL(clusterUrl).host;
  } catch {
    return clusterUrl;
  }
}

function formatWhen(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function entryTooltip(entry: HistoryEntry, recallable: boolean): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString();
  markdown.appendCodeblock(entry.text, 'kql');
  markdown.appendMarkdown(
    `\n${entry.clusterUrl} · ${entry.database}  \n${formatWhen(entry.startedAt)} · ${formatDuration(entry.durationMs)} · ${outcomeLabel(entry)}`,
  );
  if (entry.textCut) markdown.appendMarkdown('  \n(the text was long and is stored cut)');
  if (recallable) markdown.appendMarkdown('  \nIts result is kept for this session: *Show Result Again* shows it without a new request.');
  return markdown;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
