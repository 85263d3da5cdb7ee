// "Add Cluster from Connection String" and "Import Kusto.Explorer Connections": both end as entries of
// kusto.clusters (URL, name, default database, sign-in way and tenant). Secrets in a connection string (keys,
// tokens) are never written to settings: the user is told, and signs in the usual way.

import * as vscode from 'vscode';
import { readClusterConnections, writeClusterConnections, type ClusterConnection } from '../clusterSettings';
import { tryParseClusterUrl } from '../core/clusterUrl';
import {
  ConnectionStringError,
  decodeXmlFileBytes,
  parseKustoConnectionString,
  readKustoExplorerConnections,
  type ParsedConnectionString,
} from '../core/connections/kustoConnectionString';

export function registerConnectionStringCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('kusto.addClusterFromConnectionString', (text?: unknown) => addFromConnectionString(typeof text === 'string' ? text : undefined)),
    vscode.commands.registerCommand('kusto.importKustoExplorerConnections', (uri?: unknown) => importConnections(uri instanceof vscode.Uri ? uri : undefined)),
  );
}

/** The workspace/app name of a Monitor proxy URL, else the cluster's first host label. */
function displayNameOf(clusterUrl: string): string {
  const endpoint = tryParseClusterUrl(clusterUrl);
  return endpoint?.monitor ? endpoint.displayName : new URL(clusterUrl).host.split('.')[0];
}

function toConnection(parsed: ParsedConnectionString, name: string | undefined): ClusterConnection {
  const fallbackDatabase = vscode.workspace.getConfiguration('kusto').get<string>('defaultDatabase') || 'Samples';
  return {
    url: parsed.clusterUrl,
    name: name?.trim() || displayNameOf(parsed.clusterUrl),
    defaultDatabase: parsed.database ?? fallbackDatabase,
    ...(parsed.signIn.kind === 'servicePrincipal' ? { signInMethod: 'servicePrincipal' as const } : {}),
    ...(parsed.tenant ? { tenant: parsed.tenant } : {}),
  };
}

async function addFromConnectionString(given: string | undefined): Promise<void> {
  const text =
    given ??
    (await vscode.window.showInputBox({
      title: 'Add Cluster from Connection String',
      prompt: 'A Kusto connection string, e.g. Data Source=https://mycluster.westeurope.kusto.windows.net;Initial Catalog=MyDatabase;Fed=true',
      ignoreFocusOut: true,
      validateInput: (value) => {
        if (!value.trim()) return undefined;
        try {
          parseKustoConnectionString(value);
          return undefined;
        } catch (error) {
          return error instanceof ConnectionStringError ? error.message : String(error);
        }
      },
    }));
  if (!text?.trim()) return;
  let parsed: ParsedConnectionString;
  try {
    parsed = parseKustoConnectionString(text);
  } catch (error) {
    void vscode.window.showErrorMessage(`The connection string cannot be used: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const connection = toConnection(parsed, undefined);
  const added = await addConnections([connection]);
  const how = parsed.signIn.kind === 'servicePrincipal' ? ` Sign in as the application ${parsed.signIn.clientId} (service principal).` : '';
  void vscode.window.showInformationMessage(
    `${added > 0 ? 'Added' : 'Already configured:'} ${connection.name} (${connection.url}, database ${connection.defaultDatabase}).${how} ${parsed.notes.join(' ')}`.trim(),
  );
}

async function importConnections(given: vscode.Uri | undefined): Promise<void> {
  const uri =
    given ??
    (
      await vscode.window.showOpenDialog({
        title: 'Import Kusto.Explorer Connections',
        openLabel: 'Import',
        canSelectMany: false,
        filters: { 'Kusto.Explorer connections': ['xml'], 'All files': ['*'] },
      })
    )?.[0];
  if (!uri) return;
  let entries;
  try {
    entries = readKustoExplorerConnections(decodeXmlFileBytes(await vscode.workspace.fs.readFile(uri)));
  } catch (error) {
    void vscode.window.showErrorMessage(`Cannot import ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const connections: ClusterConnection[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    try {
      connections.push(toConnection(parseKustoConnectionString(entry.connectionString), entry.name));
    } catch (error) {
      problems.push(`${entry.name || '(unnamed)'}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const added = await addConnections(connections);
  const message = `Imported ${added} of ${entries.length} connection(s) from Kusto.Explorer${connections.length > added ? ` (${connections.length - added} already configured)` : ''}.`;
  if (problems.length > 0) void vscode.window.showWarningMessage(`${message} Not imported: ${problems.join('; ')}`);
  else void vscode.window.showInformationMessage(message);
}

/** Adds connections whose URL is not configured yet; returns how many were added. */
async function addConnections(connections: readonly ClusterConnection[]): Promise<number> {
  const existing = readClusterConnections();
  const known = new Set(existing.map((c) => c.url));
  const fresh = connections.filter((c) => {
    if (known.has(c.url)) return false;
    known.add(c.url);
    return true;
  });
  if (fresh.length > 0) await writeClusterConnections([...existing, ...fresh]);
  return fresh.length;
}
