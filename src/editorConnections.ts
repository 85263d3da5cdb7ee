// Each kql editor's connection (cluster + database): remembered per file, shown in the status bar, chosen
// with a quick pick. The active connection (what auth's status bar and others follow) is the active kql
// editor's, else the explorer's "Set Active Database".

import * as vscode from 'vscode';
import type { ActiveConnection, ActiveConnectionSource } from './activeConnection';
import { onDidChangeClusterConnections, readClusterConnections, type ClusterConnection } from './clusterSettings';
import {
  RememberedConnections,
  sameConnection,
  toDatabaseConnection,
  type DatabaseConnection,
} from './core/connections/rememberedConnections';
import { connectionLabel, resolveEditorConnection } from './core/connections/resolveConnection';
import type { SchemaSource } from './schemaSource';

export const KQL_LANGUAGE_ID = 'kql';
const EXPLORER_CONNECTION_KEY = 'kusto.explorerConnection';

export interface EditorConnections extends ActiveConnectionSource {
  setSchemaSource(schema: SchemaSource): void;
  /** The connection a document's queries run against, or undefined when no cluster is configured. */
  connectionFor(document: vscode.TextDocument): ActiveConnection | undefined;
  /** Binds a document to a connection (remembered across sessions for saved files). */
  setConnection(uri: vscode.Uri, connection: ActiveConnection): Promise<void>;
  /** The explorer's "Set Active Database": used by kql editors that have no connection of their own. */
  setActiveExplorerConnection(connection: ActiveConnection | undefined): void;
  /** `help / Samples`, for status bar, CodeLens and messages. */
  labelFor(connection: ActiveConnection): string;
  /** Fires when any editor's connection may have changed (binding, explorer choice, settings). */
  readonly onDidChangeConnections: vscode.Event<void>;
}

export function isKqlDocument(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return document?.languageId === KQL_LANGUAGE_ID;
}

export function registerEditorConnections(
  context: vscode.ExtensionContext,
  deps: { log: vscode.LogOutputChannel },
): EditorConnections {
  const connections = new EditorConnectionsImpl(context, deps.log);
  context.subscriptions.push(connections);
  return connections;
}

class EditorConnectionsImpl implements EditorConnections, vscode.Disposable {
  private readonly remembered: RememberedConnections;
  /** Untitled documents are bound for this session only: their names are reused by the next session. */
  private readonly untitled = new Map<string, DatabaseConnection>();
  private explorerConnection: DatabaseConnection | undefined;
  private schema: SchemaSource | undefined;
  private clusters: ClusterConnection[] = readClusterConnections();
  /** The kql document last focused, kept while focus is in a webview (results) or panel, not a text editor. */
  private lastKqlDocument: vscode.TextDocument | undefined;
  private lastActive: ActiveConnection | undefined;
  private readonly activeEmitter = new vscode.EventEmitter<ActiveConnection | undefined>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly statusItem: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  readonly onDidChangeActive = this.activeEmitter.event;
  readonly onDidChangeConnections = this.changeEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    this.remembered = new RememberedConnections(context.workspaceState);
    this.explorerConnection = toDatabaseConnection(context.workspaceState.get(EXPLORER_CONNECTION_KEY));
    this.statusItem = vscode.window.createStatusBarItem('kusto.editorConnection', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'Kusto Connection';
    this.statusItem.command = 'kusto.chooseConnection';
    const editor = vscode.window.activeTextEditor;
    this.lastKqlDocument = isKqlDocument(editor?.document) ? editor.document : undefined;
    this.lastActive = this.active;

    this.disposables.push(
      this.statusItem,
      this.activeEmitter,
      this.changeEmitter,
      vscode.window.onDidChangeActiveTextEditor((activeEditor) => {
        // The Output panel is a text editor too; focusing it should not switch the connection.
        if (activeEditor && activeEditor.document.uri.scheme !== 'output') {
          this.lastKqlDocument = isKqlDocument(activeEditor.document) ? activeEditor.document : undefined;
        }
        this.refresh(false);
      }),
      vscode.workspace.onDidOpenTextDocument((document) => {
        // A document whose language was switched to kql while shown.
        if (isKqlDocument(document) && vscode.window.activeTextEditor?.document === document) {
          this.lastKqlDocument = document;
          this.refresh(false);
        }
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.untitled.delete(document.uri.toString());
        if (this.lastKqlDocument === document) {
          this.lastKqlDocument = undefined;
          this.refresh(false);
        }
      }),
      vscode.workspace.onDidRenameFiles((event) => {
        void Promise.all(event.files.map((file) => this.remembered.move(file.oldUri.toString(), file.newUri.toString()))).then(
          () => this.refresh(true),
          (error: unknown) => this.log.warn(`Could not keep the connection of a renamed file: ${String(error)}`),
        );
      }),
      onDidChangeClusterConnections(() => void this.onClustersChanged()),
      vscode.commands.registerCommand('kusto.chooseConnection', (uri?: unknown) => this.chooseConnection(uri)),
      vscode.commands.registerCommand('kusto._setEditorConnection', (uri: unknown, connection: unknown) =>
        this.setEditorConnectionCommand(uri, connection),
      ),
    );
    this.updateStatusBar();
  }

  get active(): ActiveConnection | undefined {
    if (this.lastKqlDocument && !this.lastKqlDocument.isClosed) {
      return this.connectionFor(this.lastKqlDocument);
    }
    return resolveEditorConnection({ remembered: undefined, explorerActive: this.explorerConnection, clusters: this.clusters })
      ?.connection;
  }

  setSchemaSource(schema: SchemaSource): void {
    this.schema = schema;
  }

  connectionFor(document: vscode.TextDocument): ActiveConnection | undefined {
    return resolveEditorConnection({
      remembered: this.rememberedFor(document.uri),
      explorerActive: this.explorerConnection,
      clusters: this.clusters,
    })?.connection;
  }

  async setConnection(uri: vscode.Uri, connection: ActiveConnection): Promise<void> {
    const normalized = toDatabaseConnection(connection);
    if (!normalized) {
      throw new Error(`Not a valid connection: cluster "${connection?.clusterUrl}", database "${connection?.database}".`);
    }
    const key = uri.toString();
    if (uri.scheme === 'untitled') {
      this.untitled.set(key, normalized);
    } else {
      await this.remembered.set(key, normalized);
    }
    this.log.info(`Editor ${uri.scheme === 'file' ? uri.fsPath : key} now uses ${this.labelFor(normalized)} (${normalized.clusterUrl}).`);
    this.refresh(true);
  }

  setActiveExplorerConnection(connection: ActiveConnection | undefined): void {
    const normalized = connection ? toDatabaseConnection(connection) : undefined;
    if (sameConnection(normalized, this.explorerConnection)) {
      return;
    }
    this.explorerConnection = normalized;
    void this.context.workspaceState.update(EXPLORER_CONNECTION_KEY, normalized);
    this.refresh(true);
  }

  labelFor(connection: ActiveConnection): string {
    return connectionLabel(connection, this.clusters);
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  private rememberedFor(uri: vscode.Uri): DatabaseConnection | undefined {
    const key = uri.toString();
    return uri.scheme === 'untitled' ? this.untitled.get(key) : this.remembered.get(key);
  }

  private async onClustersChanged(): Promise<void> {
    this.clusters = readClusterConnections();
    const configured = this.clusters.map((cluster) => cluster.url);
    const dropped = await this.remembered.retainClusters(configured);
    for (const [uri, connection] of this.untitled) {
      if (!configured.includes(connection.clusterUrl)) {
        this.untitled.delete(uri);
      }
    }
    if (this.explorerConnection && !configured.includes(this.explorerConnection.clusterUrl)) {
      this.explorerConnection = undefined;
      void this.context.workspaceState.update(EXPLORER_CONNECTION_KEY, undefined);
    }
    if (dropped.length > 0) {
      this.log.info(`${dropped.length} query file(s) lost their connection because its cluster was removed from settings.`);
    }
    this.refresh(true);
  }

  /** Updates the status bar and fires events; `connectionsChanged` when a binding (not just focus) changed. */
  private refresh(connectionsChanged: boolean): void {
    this.updateStatusBar();
    if (connectionsChanged) {
      this.changeEmitter.fire();
    }
    const active = this.active;
    if (!sameConnection(active, this.lastActive)) {
      this.lastActive = active;
      this.activeEmitter.fire(active);
    }
  }

  private updateStatusBar(): void {
    const document = vscode.window.activeTextEditor?.document;
    if (!isKqlDocument(document)) {
      this.statusItem.hide();
      return;
    }
    const connection = this.connectionFor(document);
    if (connection) {
      this.statusItem.text = `$(database) ${this.labelFor(connection)}`;
      this.statusItem.tooltip = `Queries in this editor run on ${connection.clusterUrl}, database ${connection.database}. Click to change.`;
    } else {
      this.statusItem.text = '$(database) No Kusto connection';
      this.statusItem.tooltip = 'No cluster is configured. Click to choose or add one.';
    }
    this.statusItem.show();
  }

  private async setEditorConnectionCommand(uri: unknown, connection: unknown): Promise<void> {
    const parsedUri = typeof uri === 'string' ? vscode.Uri.parse(uri, true) : uri instanceof vscode.Uri ? uri : undefined;
    const normalized = toDatabaseConnection(connection);
    if (!parsedUri || !normalized) {
      throw new Error('kusto._setEditorConnection needs a document URI and { clusterUrl, database } with a valid cluster URL.');
    }
    await this.setConnection(parsedUri, normalized);
  }

  private async chooseConnection(uriArgument?: unknown): Promise<void> {
    const document =
      uriArgument instanceof vscode.Uri
        ? vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uriArgument.toString())
        : (vscode.window.activeTextEditor?.document ?? this.lastKqlDocument);
    if (!isKqlDocument(document) || document.isClosed) {
      void vscode.window.showInformationMessage('Open a Kusto query (.kql or .csl) editor to choose its connection.');
      return;
    }
    if (this.clusters.length === 0) {
      const choice = await vscode.window.showInformationMessage('No Kusto cluster is configured yet.', 'Add Cluster');
      if (choice === 'Add Cluster') {
        await vscode.commands.executeCommand('kusto.addCluster');
      }
      return;
    }
    const current = this.connectionFor(document);
    const cluster = await this.pickCluster(current);
    if (!cluster) {
      return;
    }
    const database = await this.pickDatabase(cluster, current);
    if (!database) {
      return;
    }
    await this.setConnection(document.uri, { clusterUrl: cluster.url, database });
  }

  private async pickCluster(current: ActiveConnection | undefined): Promise<ClusterConnection | undefined> {
    const items = this.clusters.map((cluster) => ({
      label: cluster.url === current?.clusterUrl ? `$(check) ${cluster.name}` : cluster.name,
      description: cluster.url,
      cluster,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Kusto connection for this editor (1/2)',
      placeHolder: 'Choose a cluster',
      matchOnDescription: true,
    });
    return picked?.cluster;
  }

  private async pickDatabase(cluster: ClusterConnection, current: ActiveConnection | undefined): Promise<string | undefined> {
    type DatabaseItem = vscode.QuickPickItem & { database?: string; enterName?: boolean };
    const enterName = (detail?: string): DatabaseItem => ({
      label: '$(edit) Enter a database name…',
      detail,
      enterName: true,
      alwaysShow: true,
    });
    const items: Promise<DatabaseItem[]> = (async () => {
      if (!this.schema) {
        return [enterName('The database list is not available yet.')];
      }
      try {
        const databases = await this.schema.listDatabases(cluster.url);
        const currentDatabase = current?.clusterUrl === cluster.url ? current.database : undefined;
        return [
          ...databases.map((database) => ({
            label: database === currentDatabase ? `$(check) ${database}` : database,
            description: database === cluster.defaultDatabase ? 'default' : undefined,
            database,
          })),
          { label: '', kind: vscode.QuickPickItemKind.Separator },
          enterName(),
        ];
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.log.warn(`Could not list the databases of ${cluster.url}: ${reason}`);
        return [enterName(`Could not list databases: ${reason}`)];
      }
    })();
    const picked = await vscode.window.showQuickPick(items, {
      title: `Kusto connection for this editor (2/2): ${cluster.name}`,
      placeHolder: 'Choose a database',
    });
    if (!picked) {
      return undefined;
    }
    if (!picked.enterName) {
      return picked.database;
    }
    const typed = await vscode.window.showInputBox({
      title: `Database on ${cluster.name}`,
      prompt: 'Database name as it appears in the cluster',
      value: current?.clusterUrl === cluster.url ? current.database : cluster.defaultDatabase,
      validateInput: (value) => (value.trim() ? undefined : 'Enter a database name.'),
    });
    return typed?.trim() || undefined;
  }
}
