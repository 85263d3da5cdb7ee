// Which cluster and database each query file was last bound to, persisted as a plain map in workspace state.
// Only the canonical cluster URL and the database name are stored: never anything secret.

import { tryParseClusterUrl } from '../clusterUrl';

export interface DatabaseConnection {
  /** Canonical cluster URL (parseClusterUrl). */
  readonly clusterUrl: string;
  readonly database: string;
}

/** The part of vscode.Memento this needs, so the core stays free of vscode. */
export interface KeyValueState {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export const REMEMBERED_CONNECTIONS_KEY = 'kusto.editorConnections';
/** Oldest entries are forgotten beyond this, so the state never grows without bound. */
export const MAX_REMEMBERED_CONNECTIONS = 500;

/** Normalises a connection given by a caller or read back from state; undefined when it is not usable. */
export function toDatabaseConnection(value: unknown): DatabaseConnection | undefined {
  if (!value || typeof value !== 'object') {
    return undefined;
  }
  const { clusterUrl, database } = value as { clusterUrl?: unknown; database?: unknown };
  if (typeof clusterUrl !== 'string' || typeof database !== 'string' || !database.trim()) {
    return undefined;
  }
  const endpoint = tryParseClusterUrl(clusterUrl);
  return endpoint ? { clusterUrl: endpoint.url, database: database.trim() } : undefined;
}

export function sameConnection(a: DatabaseConnection | undefined, b: DatabaseConnection | undefined): boolean {
  return a?.clusterUrl === b?.clusterUrl && a?.database === b?.database;
}

export class RememberedConnections {
  /** Insertion order = least recently set first. */
  private readonly byUri = new Map<string, DatabaseConnection>();

  constructor(private readonly state: KeyValueState) {
    const stored = state.get<Record<string, unknown>>(REMEMBERED_CONNECTIONS_KEY);
    if (stored && typeof stored === 'object') {
      for (const [uri, value] of Object.entries(stored)) {
        const connection = toDatabaseConnection(value);
        if (connection) {
          this.byUri.set(uri, connection);
        }
      }
    }
  }

  get(uri: string): DatabaseConnection | undefined {
    return this.byUri.get(uri);
  }

  async set(uri: string, connection: DatabaseConnection): Promise<void> {
    this.byUri.delete(uri);
    this.byUri.set(uri, connection);
    while (this.byUri.size > MAX_REMEMBERED_CONNECTIONS) {
      this.byUri.delete(this.byUri.keys().next().value as string);
    }
    await this.save();
  }

  async forget(uri: string): Promise<void> {
    if (this.byUri.delete(uri)) {
      await this.save();
    }
  }

  /** Keeps a file's connection when it is renamed or moved. */
  async move(oldUri: string, newUri: string): Promise<void> {
    const connection = this.byUri.get(oldUri);
    if (connection) {
      this.byUri.delete(oldUri);
      await this.set(newUri, connection);
    }
  }

  /** Drops every entry whose cluster is no longer configured; returns the URIs that lost their connection. */
  async retainClusters(configuredClusterUrls: Iterable<string>): Promise<string[]> {
    const configured = new Set(configuredClusterUrls);
    const dropped: string[] = [];
    for (const [uri, connection] of this.byUri) {
      if (!configured.has(connection.clusterUrl)) {
        dropped.push(uri);
      }
    }
    if (dropped.length > 0) {
      dropped.forEach((uri) => this.byUri.delete(uri));
      await this.save();
    }
    return dropped;
  }

  entries(): Array<[string, DatabaseConnection]> {
    return [...this.byUri.entries()];
  }

  private save(): PromiseLike<void> {
    const value: Record<string, DatabaseConnection> = {};
    for (const [uri, connection] of this.byUri) {
      value[uri] = { clusterUrl: connection.clusterUrl, database: connection.database };
    }
    return this.state.update(REMEMBERED_CONNECTIONS_KEY, value);
  }
}
