// The explorer's commands. Each receives the tree node it was invoked on (nodes carry clusterUrl, database, name).
import * as vscode from 'vscode';
import type { ActiveConnection } from '../activeConnection';
import { readClusterConnections, writeClusterConnections, type ClusterConnection } from '../clusterSettings';
import { parseClusterUrl } from '../core/clusterUrl';
import type { ExplorerNode, LoadableNode } from '../core/schema/explorerModel';
import { kustoStringLiteral, quoteKustoName } from '../core/schema/kustoNames';
import { databaseCsl, functionCsl, tableCsl } from '../core/schema/schemaCsl';
import type { SchemaStore } from '../core/schema/schemaStore';
import { ExplorerTreeProvider } from './explorerTreeProvider';

/** What the explorer needs from the editor connections (src/editorConnections.ts). */
export interface ExplorerConnectionTarget {
  setActiveExplorerConnection?(connection: ActiveConnection | undefined): void;
}

export interface ExplorerCommandDeps {
  readonly provider: ExplorerTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  readonly store: SchemaStore;
  readonly connections: ExplorerConnectionTarget;
  readonly log: vscode.LogOutputChannel;
}

const FIRST_ROWS = 100;

function isNode(value: unknown): value is ExplorerNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && 'clusterUrl' in value;
}

/** The selected node when a command is run from the palette or a keybinding instead of a context menu. */
function nodeFrom(argument: unknown, deps: ExplorerCommandDeps): ExplorerNode | undefined {
  return isNode(argument) ? argument : deps.treeView.selection[0];
}

function refreshNode(target: LoadableNode, store: SchemaStore): void {
  if (target.type === 'cluster') {
    store.invalidateCluster(target.clusterUrl);
  } else {
    store.invalidateDatabase(target.clusterUrl, target.database);
  }
}

/** The name of a node as written in a query: `StormEvents`, `['my table']`. */
export function queryNameOf(node: ExplorerNode): string | undefined {
  switch (node.type) {
    case 'database':
    case 'table':
    case 'materializedView':
    case 'externalTable':
    case 'function':
    case 'column':
      return quoteKustoName(node.name);
    default:
      return undefined;
  }
}

/** A query source for a table-like node: external tables are read through external_table(). */
function querySourceOf(node: ExplorerNode & { type: 'table' | 'materializedView' | 'externalTable' }): string {
  return node.type === 'externalTable' ? `external_table(${kustoStringLiteral(node.name)})` : quoteKustoName(node.name);
}

async function addCluster(deps: ExplorerCommandDeps): Promise<void> {
  const existing = readClusterConnections();
  const urlText = await vscode.window.showInputBox({
    title: 'Add Kusto Cluster (1/3)',
    prompt: 'Cluster URL',
    placeHolder: 'https://mycluster.westeurope.kusto.windows.net, or https://ade.loganalytics.io/subscriptions/…/workspaces/<workspace>',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        const endpoint = parseClusterUrl(value);
        return existing.some((c) => c.url === endpoint.url) ? `${endpoint.url} is already in the explorer.` : undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
  });
  if (urlText === undefined) {
    return;
  }
  const endpoint = parseClusterUrl(urlText);
  const name = await vscode.window.showInputBox({
    title: 'Add Kusto Cluster (2/3)',
    prompt: 'Display name in the explorer',
    value: endpoint.monitor ? endpoint.displayName : (endpoint.host.split('.')[0] ?? endpoint.host),
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Enter a name (it is only shown in the explorer).'),
  });
  if (name === undefined) {
    return;
  }
  const fallbackDatabase = vscode.workspace.getConfiguration('kusto').get<string>('defaultDatabase') || 'Samples';
  const defaultDatabase = await vscode.window.showInputBox({
    title: 'Add Kusto Cluster (3/3)',
    prompt: 'Default database for new queries on this cluster',
    // A Log Analytics workspace / Application Insights app has one database, named after it.
    value: endpoint.monitor?.database ?? fallbackDatabase,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Enter a database name, e.g. Samples.'),
  });
  if (defaultDatabase === undefined) {
    return;
  }
  const connection: ClusterConnection = { url: endpoint.url, name: name.trim(), defaultDatabase: defaultDatabase.trim() };
  await writeClusterConnections([...readClusterConnections().filter((c) => c.url !== connection.url), connection]);
  deps.log.info(`Added cluster connection ${connection.url}`);
}

async function removeCluster(deps: ExplorerCommandDeps, node: ExplorerNode | undefined): Promise<void> {
  if (node?.type !== 'cluster') {
    void vscode.window.showInformationMessage('Select a cluster in the Kusto explorer to remove it.');
    return;
  }
  const answer = await vscode.window.showWarningMessage(
    `Remove the cluster connection "${node.name}" (${node.clusterUrl}) from the explorer?`,
    { modal: true, detail: 'Sign-in and queries saved in files are not affected.' },
    'Remove',
  );
  if (answer !== 'Remove') {
    return;
  }
  await writeClusterConnections(readClusterConnections().filter((c) => c.url !== node.clusterUrl));
  deps.store.invalidateCluster(node.clusterUrl);
  deps.log.info(`Removed cluster connection ${node.clusterUrl}`);
}

async function renameCluster(node: ExplorerNode | undefined): Promise<void> {
  if (node?.type !== 'cluster') {
    void vscode.window.showInformationMessage('Select a cluster in the Kusto explorer to rename it.');
    return;
  }
  const name = await vscode.window.showInputBox({
    title: `Rename ${node.clusterUrl}`,
    value: node.name,
    validateInput: (value) => (value.trim() ? undefined : 'Enter a name (it is only shown in the explorer).'),
  });
  if (name === undefined) {
    return;
  }
  await writeClusterConnections(readClusterConnections().map((c) => (c.url === node.clusterUrl ? { ...c, name: name.trim() } : c)));
}

async function setFilter(deps: ExplorerCommandDeps, text: string): Promise<void> {
  deps.provider.model.setFilter(text);
  const filter = deps.provider.model.filter;
  // Refresh first: the tree starts asking for the filtered children while the context key travels.
  deps.provider.refreshAll();
  deps.treeView.description = filter ? `Filter: ${filter}` : undefined;
  await vscode.commands.executeCommand('setContext', 'kusto.explorerFiltered', Boolean(filter));
}

/** The filter answers as the user types (each keystroke refreshes the tree); Escape puts back the filter there was. */
function filterExplorer(deps: ExplorerCommandDeps): Promise<void> {
  const before = deps.provider.model.filter;
  const input = vscode.window.createInputBox();
  input.title = 'Filter Kusto Explorer';
  input.prompt = 'Part of a table, view, function or column name (case-insensitive). Applies to loaded databases; expand a database to load it.';
  input.value = before;
  let accepted = false;
  return new Promise<void>((resolve) => {
    const subscriptions = [
      input.onDidChangeValue((value) => void setFilter(deps, value)),
      input.onDidAccept(() => {
        accepted = true;
        input.hide();
      }),
      input.onDidHide(() => {
        subscriptions.forEach((subscription) => subscription.dispose());
        input.dispose();
        if (!accepted && deps.provider.model.filter !== before) {
          void setFilter(deps, before);
        }
        resolve();
      }),
    ];
    input.show();
  });
}

async function showSchema(deps: ExplorerCommandDeps, node: ExplorerNode | undefined): Promise<void> {
  let text: string | undefined;
  if (node?.type === 'database') {
    const schema = await vscode.window.withProgress(
      { location: { viewId: 'kusto.explorer' }, title: `Loading schema of ${node.database}` },
      () => deps.store.loadDatabaseSchema(node.clusterUrl, node.database),
    );
    text = databaseCsl(schema);
  } else if (node?.type === 'table' || node?.type === 'materializedView' || node?.type === 'externalTable') {
    text = `${tableCsl(node.table)}\n`;
  } else if (node?.type === 'function') {
    text = `${functionCsl(node.fn)}\n`;
  }
  if (text === undefined) {
    void vscode.window.showInformationMessage('Select a database, table or function in the Kusto explorer to show its schema.');
    return;
  }
  const document = await vscode.workspace.openTextDocument({ language: 'kql', content: text });
  await vscode.window.showTextDocument(document, { preview: false });
}

async function queryFirstRows(deps: ExplorerCommandDeps, node: ExplorerNode | undefined): Promise<void> {
  if (!node || (node.type !== 'table' && node.type !== 'materializedView' && node.type !== 'externalTable')) {
    void vscode.window.showInformationMessage('Select a table in the Kusto explorer to query its first rows.');
    return;
  }
  const connection = { clusterUrl: node.clusterUrl, database: node.database };
  const document = await vscode.workspace.openTextDocument({ language: 'kql', content: `${querySourceOf(node)}\n| take ${FIRST_ROWS}\n` });
  await vscode.window.showTextDocument(document, { preview: false });
  try {
    await vscode.commands.executeCommand('kusto._setEditorConnection', document.uri.toString(), connection);
  } catch (error) {
    deps.log.warn(`Could not bind the new query editor to ${node.clusterUrl}/${node.database}: ${(error as Error).message}`);
  }
  await vscode.commands.executeCommand('kusto.runQuery', { ...connection, uri: document.uri.toString() });
}

async function insertName(node: ExplorerNode | undefined): Promise<void> {
  const text = node ? queryNameOf(node) : undefined;
  if (!text) {
    return;
  }
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document.languageId === 'kql');
  if (!editor) {
    void vscode.window.showInformationMessage(`Open a query editor to insert ${text} into it.`);
    return;
  }
  await editor.edit((builder) => editor.selections.forEach((selection) => builder.replace(selection, text)));
  await vscode.window.showTextDocument(editor.document, editor.viewColumn);
}

export function registerExplorerCommands(deps: ExplorerCommandDeps): vscode.Disposable[] {
  const run = (command: string, handler: (node: ExplorerNode | undefined) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(command, async (argument: unknown) => {
      try {
        await handler(nodeFrom(argument, deps));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        deps.log.error(`${command} failed: ${message}`);
        void vscode.window.showErrorMessage(message);
      }
    });
  const reload = (node: ExplorerNode | undefined): void => {
    const target = node ? ExplorerTreeProvider.loadableTarget(node) : undefined;
    if (target) {
      refreshNode(target, deps.store);
    } else {
      deps.store.clear();
      deps.provider.refreshAll();
    }
  };
  return [
    vscode.commands.registerCommand('kusto.addCluster', () => addCluster(deps)),
    run('kusto.removeCluster', (node) => removeCluster(deps, node)),
    run('kusto.renameCluster', (node) => renameCluster(node)),
    vscode.commands.registerCommand('kusto.refreshExplorer', () => {
      deps.store.clear();
      deps.provider.refreshAll();
    }),
    run('kusto.refreshNode', reload),
    run('kusto.retryNode', reload),
    vscode.commands.registerCommand('kusto.filterExplorer', () => filterExplorer(deps)),
    vscode.commands.registerCommand('kusto.clearExplorerFilter', () => setFilter(deps, '')),
    run('kusto.setActiveDatabase', (node) => {
      if (node?.type !== 'database') {
        void vscode.window.showInformationMessage('Select a database in the Kusto explorer to make it active.');
        return;
      }
      const connection = { clusterUrl: node.clusterUrl, database: node.database };
      deps.connections.setActiveExplorerConnection?.(connection);
      deps.provider.setActiveDatabase(connection);
    }),
    run('kusto.copyName', async (node) => {
      const text = node ? queryNameOf(node) : undefined;
      if (text) {
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
      }
    }),
    run('kusto.insertName', insertName),
    run('kusto.showSchema', (node) => showSchema(deps, node)),
    run('kusto.queryFirstRows', (node) => queryFirstRows(deps, node)),
  ];
}
