// The schemas the language worker knows, as Kusto.Language symbols: per cluster, its databases (by lower-case
// name) with their load state and symbols, schemas arriving in parts, and the globals a document's connection
// analyses against (every known cluster and database, the connection's in scope), made once per connection until a
// schema changes.

import type { DatabaseSchema } from '../schema/schemaModel';
import type { KustoGlobalState, KustoLanguageLibrary, KustoSymbol } from './kustoLanguageLibrary';
import { databaseKeyId, type DatabaseKey, type Notification, type SchemaState } from './languageProtocol';
import { clusterSymbolName, databaseSymbol, emptyDatabaseSymbol } from './schemaSymbols';

interface DatabaseEntry {
  readonly name: string;
  state: SchemaState;
  symbol?: KustoSymbol;
}

interface PendingSchema {
  info: Partial<DatabaseSchema>;
  tables: DatabaseSchema['tables'][number][];
  materializedViews: DatabaseSchema['materializedViews'][number][];
  externalTables: DatabaseSchema['externalTables'][number][];
  functions: DatabaseSchema['functions'][number][];
}

/** The schema notifications the catalog handles (a document's `close` is the engine's). */
export type SchemaNotification = Exclude<Notification, { type: 'close' }>;

export class SchemaCatalog {
  /** clusterUrl → lower-case database name → entry. */
  private readonly clusters = new Map<string, Map<string, DatabaseEntry>>();
  private readonly pending = new Map<string, PendingSchema>();
  private globalsCache = new Map<string, KustoGlobalState>();

  constructor(private readonly library: KustoLanguageLibrary) {}

  notify(message: SchemaNotification): void {
    switch (message.type) {
      case 'schemaBegin':
        this.pending.set(databaseKeyId(message.key), {
          info: message.info ?? { name: message.key.database },
          tables: [],
          materializedViews: [],
          externalTables: [],
          functions: [],
        });
        if (message.state !== 'loaded') {
          this.setSchemaState(message.key, message.state);
        }
        break;
      case 'schemaPart': {
        const pending = this.pending.get(databaseKeyId(message.key));
        if (pending) {
          pending.tables.push(...(message.part.tables ?? []));
          pending.materializedViews.push(...(message.part.materializedViews ?? []));
          pending.externalTables.push(...(message.part.externalTables ?? []));
          pending.functions.push(...(message.part.functions ?? []));
        }
        break;
      }
      case 'schemaEnd': {
        const id = databaseKeyId(message.key);
        const pending = this.pending.get(id);
        this.pending.delete(id);
        if (pending) {
          this.setSchema(message.key, {
            name: pending.info.name ?? message.key.database,
            prettyName: pending.info.prettyName,
            tables: pending.tables,
            materializedViews: pending.materializedViews,
            externalTables: pending.externalTables,
            functions: pending.functions,
          });
        }
        break;
      }
      case 'schemaState':
        this.setSchemaState(message.key, message.state);
        break;
      case 'databaseNames':
        this.setDatabaseNames(message.clusterUrl, message.names);
        break;
    }
  }

  /** Makes `schema` the symbols of `key` (replacing what was there: the explorer's Refresh). */
  setSchema(key: DatabaseKey, schema: DatabaseSchema): void {
    const entry = this.databaseEntry(key.clusterUrl, key.database);
    entry.symbol = databaseSymbol(this.library.language, { ...schema, name: entry.name });
    entry.state = 'loaded';
    this.schemasChanged();
  }

  setSchemaState(key: DatabaseKey, state: SchemaState): void {
    const entry = this.databaseEntry(key.clusterUrl, key.database);
    if (entry.state !== state) {
      entry.state = state;
      // A database that was loaded keeps its symbols while it reloads: names stay resolvable.
      this.schemasChanged();
    }
  }

  /** Names of a cluster's databases (completion of `database('…')`), their schemas unknown until loaded. */
  setDatabaseNames(clusterUrl: string, names: readonly string[]): void {
    let added = false;
    for (const name of names) {
      const databases = this.clusterDatabases(clusterUrl);
      if (!databases.has(name.toLowerCase())) {
        databases.set(name.toLowerCase(), { name, state: 'unknown' });
        added = true;
      }
    }
    if (added) {
      this.schemasChanged();
    }
  }

  schemaState(key: DatabaseKey): SchemaState {
    return this.clusters.get(key.clusterUrl)?.get(key.database.toLowerCase())?.state ?? 'unknown';
  }

  private clusterDatabases(clusterUrl: string): Map<string, DatabaseEntry> {
    let databases = this.clusters.get(clusterUrl);
    if (!databases) {
      databases = new Map();
      this.clusters.set(clusterUrl, databases);
    }
    return databases;
  }

  private databaseEntry(clusterUrl: string, database: string): DatabaseEntry {
    const databases = this.clusterDatabases(clusterUrl);
    let entry = databases.get(database.toLowerCase());
    if (!entry) {
      entry = { name: database, state: 'unknown' };
      databases.set(database.toLowerCase(), entry);
    }
    return entry;
  }

  private schemasChanged(): void {
    this.globalsCache = new Map();
  }

  /** Globals for a document's connection: every known cluster and database, the connection's in scope. */
  globalsFor(connection: DatabaseKey | undefined): KustoGlobalState {
    const id = connection ? databaseKeyId(connection) : '';
    const cached = this.globalsCache.get(id);
    if (cached) {
      return cached;
    }
    const language = this.library.language;
    if (connection) {
      this.databaseEntry(connection.clusterUrl, connection.database);
    }
    let current: { cluster: KustoSymbol; database: KustoSymbol } | undefined;
    const clusterSymbols: KustoSymbol[] = [];
    for (const [clusterUrl, databases] of this.clusters) {
      const databaseSymbols: KustoSymbol[] = [];
      let currentDatabase: KustoSymbol | undefined;
      for (const entry of databases.values()) {
        const symbol = entry.symbol ?? emptyDatabaseSymbol(language, entry.name);
        databaseSymbols.push(symbol);
        if (connection && clusterUrl === connection.clusterUrl && entry.name.toLowerCase() === connection.database.toLowerCase()) {
          currentDatabase = symbol;
        }
      }
      const cluster = new language.Symbols.ClusterSymbol.ctor(clusterSymbolName(clusterUrl), databaseSymbols);
      clusterSymbols.push(cluster);
      if (currentDatabase) {
        current = { cluster, database: currentDatabase };
      }
    }
    let globals = language.GlobalState.Default;
    if (clusterSymbols.length > 0) {
      globals = globals.WithClusterList(clusterSymbols);
    }
    if (current) {
      globals = globals.WithCluster(current.cluster).WithDatabase(current.database);
    }
    this.globalsCache.set(id, globals);
    return globals;
  }

  /** A `database('x')` / `cluster('c').database('x')` reference as a key, when its cluster is one the host knows. */
  referencedKey(cluster: string | null, database: string | null, connection: DatabaseKey | undefined): DatabaseKey | undefined {
    if (!database) {
      return undefined;
    }
    const host = (cluster ?? '').toLowerCase();
    if (!host || (connection && clusterSymbolName(connection.clusterUrl) === host)) {
      return connection ? { clusterUrl: connection.clusterUrl, database } : undefined;
    }
    for (const clusterUrl of this.clusters.keys()) {
      const name = clusterSymbolName(clusterUrl);
      if (name === host || name.split('.')[0] === host) {
        return { clusterUrl, database };
      }
    }
    return undefined;
  }
}
