import * as vscode from 'vscode';
import { isSignInMethod, type SignInMethod } from './core/auth/signInMethods';
import { tryParseClusterUrl } from './core/clusterUrl';

/** A cluster connection as the user configured it under `kusto.clusters`. */
export interface ClusterConnection {
  /** Canonical URL (parseClusterUrl). */
  readonly url: string;
  readonly name: string;
  readonly defaultDatabase: string;
  /** How this cluster signs in (default: kusto.signIn.method). */
  readonly signInMethod?: SignInMethod;
  /** Tenant to sign in to for this cluster (guest access); default kusto.signIn.tenant. */
  readonly tenant?: string;
}

interface StoredClusterConnection {
  url?: unknown;
  name?: unknown;
  defaultDatabase?: unknown;
  signInMethod?: unknown;
  tenant?: unknown;
}

const SECTION = 'kusto';

/** Reads `kusto.clusters`, normalising URLs and dropping entries that are not valid (reported by the explorer). */
export function readClusterConnections(): ClusterConnection[] {
  const config = vscode.workspace.getConfiguration(SECTION);
  const fallbackDatabase = config.get<string>('defaultDatabase') || 'Samples';
  const stored = config.get<StoredClusterConnection[]>('clusters') ?? [];
  const seen = new Set<string>();
  const result: ClusterConnection[] = [];
  for (const entry of Array.isArray(stored) ? stored : []) {
    const endpoint = typeof entry?.url === 'string' ? tryParseClusterUrl(entry.url) : undefined;
    if (!endpoint || seen.has(endpoint.url)) {
      continue;
    }
    seen.add(endpoint.url);
    result.push({
      url: endpoint.url,
      name: typeof entry.name === 'string' && entry.name.trim() ? entry.name.trim() : endpoint.displayName,
      defaultDatabase:
        typeof entry.defaultDatabase === 'string' && entry.defaultDatabase.trim() ? entry.defaultDatabase.trim() : (endpoint.monitor?.database ?? fallbackDatabase),
      ...(isSignInMethod(entry.signInMethod) ? { signInMethod: entry.signInMethod } : {}),
      ...(typeof entry.tenant === 'string' && entry.tenant.trim() ? { tenant: entry.tenant.trim() } : {}),
    });
  }
  return result;
}

/** Raw entries as stored (including ones that do not parse), for reporting bad input to the user. */
export function readInvalidClusterEntries(): string[] {
  const stored = vscode.workspace.getConfiguration(SECTION).get<StoredClusterConnection[]>('clusters') ?? [];
  return (Array.isArray(stored) ? stored : [])
    .map((entry) => (typeof entry?.url === 'string' ? entry.url : JSON.stringify(entry)))
    .filter((url) => !tryParseClusterUrl(url));
}

/**
 * Saves the valid connections in the scope where `kusto.clusters` is defined now (workspace folder, workspace or
 * user settings), keeping entries that do not parse as they were so that nothing the user typed is lost.
 */
export async function writeClusterConnections(connections: readonly ClusterConnection[]): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect<StoredClusterConnection[]>('clusters');
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  const stored = config.get<StoredClusterConnection[]>('clusters') ?? [];
  const invalidEntries = (Array.isArray(stored) ? stored : []).filter(
    (entry) => !(typeof entry?.url === 'string' && tryParseClusterUrl(entry.url)),
  );
  const value = [
    ...connections.map((c) => ({
      url: c.url,
      name: c.name,
      defaultDatabase: c.defaultDatabase,
      // Sign-in choices the caller did not carry over stay as they were stored.
      ...signInFieldsOf(c, stored),
    })),
    ...invalidEntries,
  ];
  await config.update('clusters', value, target);
}

export function onDidChangeClusterConnections(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(`${SECTION}.clusters`) || event.affectsConfiguration(`${SECTION}.defaultDatabase`)) {
      listener();
    }
  });
}

function signInFieldsOf(connection: ClusterConnection, stored: readonly StoredClusterConnection[] | unknown): { signInMethod?: SignInMethod; tenant?: string } {
  const previous = (Array.isArray(stored) ? (stored as StoredClusterConnection[]) : []).find(
    (entry) => typeof entry?.url === 'string' && tryParseClusterUrl(entry.url)?.url === connection.url,
  );
  const signInMethod = connection.signInMethod ?? (isSignInMethod(previous?.signInMethod) ? previous?.signInMethod : undefined);
  const tenant = connection.tenant ?? (typeof previous?.tenant === 'string' && previous.tenant.trim() ? previous.tenant.trim() : undefined);
  return { ...(signInMethod ? { signInMethod } : {}), ...(tenant ? { tenant } : {}) };
}
