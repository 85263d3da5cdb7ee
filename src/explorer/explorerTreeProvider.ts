// The one TreeDataProvider of view `kusto.explorer`: maps ExplorerModel nodes to TreeItems and refreshes only
// the node whose load settled.
import * as vscode from 'vscode';
import { tryParseClusterUrl } from '../core/clusterUrl';
import { MONITOR_KIND_LABELS } from '../core/monitorProxy';
import { ExplorerModel, type ExplorerNode, type LoadableNode } from '../core/schema/explorerModel';
import { formatParameters } from '../core/schema/schemaModel';
import type { SchemaStore } from '../core/schema/schemaStore';

const CONTEXT_VALUES: Readonly<Record<ExplorerNode['type'], string>> = {
  cluster: 'kusto.cluster',
  invalidCluster: 'kusto.invalidCluster',
  database: 'kusto.database',
  group: 'kusto.folder',
  folder: 'kusto.folder',
  table: 'kusto.table',
  materializedView: 'kusto.materializedView',
  externalTable: 'kusto.externalTable',
  function: 'kusto.function',
  column: 'kusto.column',
  loading: 'kusto.loading',
  error: 'kusto.error',
  signInRequired: 'kusto.signInRequired',
  empty: 'kusto.empty',
};

const GROUP_ICONS = { tables: 'table', materializedViews: 'eye', externalTables: 'cloud', functions: 'symbol-method' } as const;

function markdown(text: string): vscode.MarkdownString {
  // appendText escapes Markdown, so doc strings from the cluster cannot inject links or commands.
  return new vscode.MarkdownString().appendText(text);
}

export class ExplorerTreeProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly storeSubscription: { dispose(): void };
  private activeDatabase: { clusterUrl: string; database: string } | undefined;

  constructor(readonly model: ExplorerModel, store: SchemaStore) {
    this.storeSubscription = store.onDidChange((change) => {
      const cluster = this.model.clusterNode(change.clusterUrl);
      // With a filter, a database's loaded schema decides whether it is shown at all: refresh its cluster.
      const node =
        change.database !== undefined && !this.model.filter ? this.model.databaseNode(change.clusterUrl, change.database) : cluster;
      this.changeEmitter.fire(node ?? undefined);
    });
  }

  dispose(): void {
    this.storeSubscription.dispose();
    this.changeEmitter.dispose();
  }

  refreshAll(): void {
    this.changeEmitter.fire(undefined);
  }

  setActiveDatabase(connection: { clusterUrl: string; database: string } | undefined): void {
    this.activeDatabase = connection;
    this.refreshAll();
  }

  getChildren(element?: ExplorerNode): ExplorerNode[] {
    return element ? this.model.children(element) : this.model.roots();
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    const collapsed = this.model.hasChildren(node) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.name, collapsed);
    item.id = node.id;
    item.contextValue = CONTEXT_VALUES[node.type];
    switch (node.type) {
      case 'cluster': {
        const host = node.clusterUrl.replace(/^https?:\/\//, '');
        const monitor = tryParseClusterUrl(node.clusterUrl)?.monitor;
        // A workspace/app URL is long: say which service and host instead of the whole path.
        item.description = monitor
          ? `${monitor.kind ? MONITOR_KIND_LABELS[monitor.kind] : 'Azure Monitor'} · ${new URL(node.clusterUrl).host}`
          : node.name !== host ? host : undefined;
        item.tooltip = markdown(`${node.clusterUrl}\nDefault database: ${node.cluster.defaultDatabase}`);
        item.iconPath = new vscode.ThemeIcon('server');
        break;
      }
      case 'invalidCluster':
        item.label = node.name || '(empty cluster URL)';
        item.description = 'invalid cluster URL';
        item.tooltip = markdown(node.message);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.command = { command: 'workbench.action.openSettingsJson', title: 'Open Settings' };
        break;
      case 'database': {
        const isActive = this.activeDatabase?.clusterUrl === node.clusterUrl && this.activeDatabase.database === node.database;
        item.description = [node.info.prettyName, isActive ? 'active' : undefined].filter(Boolean).join(' · ') || undefined;
        item.tooltip = markdown(`${node.database} on ${node.clusterUrl}${node.info.prettyName ? `\n${node.info.prettyName}` : ''}`);
        item.iconPath = new vscode.ThemeIcon(isActive ? 'target' : 'database');
        if (node.hasFilterMatches) {
          item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        }
        break;
      }
      case 'group':
        item.description = String(node.count);
        item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[node.group]);
        if (this.model.filter) {
          item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        }
        break;
      case 'folder':
        item.iconPath = vscode.ThemeIcon.Folder;
        item.tooltip = markdown(node.range ? `${node.name} (${node.range.to - node.range.from} of ${node.path || 'this group'})` : node.path);
        if (node.range) {
          item.iconPath = new vscode.ThemeIcon('list-flat');
          item.description = String(node.range.to - node.range.from);
        }
        if (node.startExpanded) {
          item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        }
        break;
      case 'table':
      case 'materializedView':
      case 'externalTable': {
        item.description = `${node.table.columns.length} columns`;
        item.iconPath = new vscode.ThemeIcon(node.type === 'table' ? 'table' : node.type === 'materializedView' ? 'eye' : 'cloud');
        if (node.expandForFilter && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) {
          item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        }
        break;
      }
      case 'function': {
        const signature = formatParameters(node.fn.parameters);
        item.description = signature;
        item.iconPath = new vscode.ThemeIcon('symbol-method');
        break;
      }
      case 'column':
        item.description = node.column.type;
        item.accessibilityInformation = { label: `${node.name}: ${node.column.type}` };
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        break;
      case 'loading':
        item.label = node.message;
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        break;
      case 'error':
        item.label = node.code ? `${node.message} (${node.code})` : node.message;
        item.tooltip = markdown(item.label);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.command = { command: 'kusto.retryNode', title: 'Retry', arguments: [node] };
        break;
      case 'signInRequired':
        item.label = node.message;
        item.tooltip = markdown(`Sign in to ${node.clusterUrl} to see its databases`);
        item.iconPath = new vscode.ThemeIcon('sign-in');
        item.command = { command: 'kusto.signIn', title: 'Sign In', arguments: [node.clusterUrl] };
        break;
      case 'empty':
        item.label = node.message;
        item.iconPath = new vscode.ThemeIcon('info');
        break;
    }
    return item;
  }

  /** Tooltips of tables, functions and columns are built on hover: a folder may hold thousands of them. */
  resolveTreeItem(item: vscode.TreeItem, node: ExplorerNode): vscode.TreeItem {
    const tooltip = ExplorerTreeProvider.tooltipText(node);
    if (tooltip !== undefined) {
      item.tooltip = markdown(tooltip);
    }
    return item;
  }

  static tooltipText(node: ExplorerNode): string | undefined {
    const withDoc = (title: string, doc: string | undefined) => (doc ? `${title}\n\n${doc}` : title);
    switch (node.type) {
      case 'table':
        return withDoc(`Table ${node.name}`, node.table.docString);
      case 'materializedView':
        return withDoc(`Materialized view ${node.name}${node.table.sourceTable ? ` over ${node.table.sourceTable}` : ''}`, node.table.docString);
      case 'externalTable':
        return withDoc(`External table ${node.name}`, node.table.docString);
      case 'function':
        return withDoc(`${node.name}${formatParameters(node.fn.parameters)}`, node.fn.docString);
      case 'column':
        return withDoc(`${node.name}: ${node.column.type}`, node.column.docString);
      default:
        return undefined;
    }
  }

  /** The cluster or database a command acts on, from any node inside it. */
  static loadableTarget(node: ExplorerNode): LoadableNode | undefined {
    if (node.type === 'cluster' || node.type === 'database') {
      return node;
    }
    if (node.type === 'loading' || node.type === 'error' || node.type === 'signInRequired' || node.type === 'empty') {
      return node.target;
    }
    return undefined;
  }
}
