// Wires the Kusto explorer: the tree view, its commands, the schema cache, and refreshes on settings and
// sign-in changes.
import * as vscode from 'vscode';
import { onDidChangeClusterConnections, readClusterConnections, readInvalidClusterEntries } from '../clusterSettings';
import { affectsClusterAccess } from '../core/auth/authEvents';
import { ExplorerModel, type ExplorerNode } from '../core/schema/explorerModel';
import { SchemaStore } from '../core/schema/schemaStore';
import type { KustoAuth } from '../kustoAuth';
import type { KustoClientProvider } from '../kustoClientProvider';
import { registerExplorerCommands, type ExplorerConnectionTarget } from './explorerCommands';
import { ExplorerTreeProvider } from './explorerTreeProvider';
import { SchemaCache } from './schemaCache';

export interface ExplorerDeps {
  readonly auth: Pick<KustoAuth, 'onDidChangeSessions' | 'hasSession'>;
  readonly clients: Pick<KustoClientProvider, 'get' | 'requestDefaults'>;
  readonly connections: ExplorerConnectionTarget;
  readonly log: vscode.LogOutputChannel;
}

export function registerExplorer(context: vscode.ExtensionContext, deps: ExplorerDeps): SchemaCache {
  const store = new SchemaStore(() => deps.clients.get(), {
    serverTimeoutMs: () => deps.clients.requestDefaults().serverTimeoutMs,
    fallbackDatabase: (clusterUrl) => readClusterConnections().find((c) => c.url === clusterUrl)?.defaultDatabase,
  });
  const model = new ExplorerModel(store);
  const loadClusters = (): void => model.setClusters(readClusterConnections(), readInvalidClusterEntries());
  loadClusters();

  const provider = new ExplorerTreeProvider(model, store);
  const treeView = vscode.window.createTreeView<ExplorerNode>('kusto.explorer', { treeDataProvider: provider, showCollapseAll: true });
  void vscode.commands.executeCommand('setContext', 'kusto.explorerFiltered', false);

  const storeLog = store.onDidChange((change) => {
    const state = change.database === undefined ? store.peekDatabases(change.clusterUrl) : store.peekSchema(change.clusterUrl, change.database);
    if (state?.status === 'failed') {
      const where = change.database === undefined ? change.clusterUrl : `${change.clusterUrl}/${change.database}`;
      deps.log.warn(`Explorer could not load ${where}: ${state.problem.message}${state.problem.code ? ` (${state.problem.code})` : ''}`);
    }
  });

  context.subscriptions.push(
    provider,
    treeView,
    storeLog,
    ...registerExplorerCommands({ provider, treeView, store, connections: deps.connections, log: deps.log }),
    onDidChangeClusterConnections(() => {
      const before = new Set(model.roots().flatMap((node) => (node.type === 'cluster' ? [node.clusterUrl] : [])));
      loadClusters();
      const after = new Set(readClusterConnections().map((c) => c.url));
      // Drop what belonged to removed clusters, so re-adding one starts from a fresh load.
      before.forEach((url) => !after.has(url) && store.invalidateCluster(url));
      provider.refreshAll();
    }),
    // A new token changes nothing the tree shows; a sign-in, sign-out or another account for a cluster may.
    deps.auth.onDidChangeSessions((event) => {
      if (affectsClusterAccess(event)) {
        void store.refreshAfterSessionChange((clusterUrl) => deps.auth.hasSession(clusterUrl));
      }
    }),
  );
  return new SchemaCache(store);
}
