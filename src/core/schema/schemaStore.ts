// Loads and caches, per cluster, the database list (`.show databases`) and each database's schema
// (`.show database X schema as json`). vscode-free: the explorer peeks at the state synchronously to draw
// "Loading…", error and sign-in items, and is told through listeners when a load settles.
import { SignInRequiredError } from '../auth/accessTokenSource';
import { tryParseClusterUrl } from '../clusterUrl';
import type { KustoResponse } from '../kusto/resultTypes';
import { quoteKustoName } from './kustoNames';
import type { DatabaseInfo, DatabaseSchema } from './schemaModel';
import { databaseSchemasFromResponse, databasesFromResponse, SchemaFormatError } from './schemaParser';

/** The part of KustoClient the schema needs (src/core/kusto/kustoClient.ts implements it). */
export interface SchemaCommandExecutor {
  execute(request: {
    readonly clusterUrl: string;
    readonly database: string;
    readonly text: string;
    readonly serverTimeoutMs?: number;
    readonly signal?: AbortSignal;
    /** Tags the client request id (KE.<kind>;<uuid>) so schema loads are recognisable in the cluster's logs. */
    readonly requestKind?: string;
  }): Promise<KustoResponse>;
}

export type LoadState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'loaded'; readonly value: T }
  | { readonly status: 'failed'; readonly problem: SchemaLoadProblem };

/** What went wrong, in words fit for a tree item (never a token). */
export interface SchemaLoadProblem {
  readonly kind: 'signInRequired' | 'error';
  readonly message: string;
  readonly code?: string;
}

export interface SchemaChange {
  readonly clusterUrl: string;
  /** Undefined when the cluster's database list changed. */
  readonly database?: string;
}

export interface SchemaStoreOptions {
  /** Database sent with cluster-level commands such as `.show databases` (Kusto's own tools use NetDefaultDB). */
  readonly clusterCommandDatabase?: string;
  /** Database to try instead when the cluster does not know clusterCommandDatabase (e.g. the cluster's default database). */
  readonly fallbackDatabase?: (clusterUrl: string) => string | undefined;
  readonly serverTimeoutMs?: () => number | undefined;
}

interface Entry<T> {
  state: LoadState<T>;
  promise?: Promise<T>;
}

interface ClusterEntry {
  databases?: Entry<DatabaseInfo[]>;
  schemas: Map<string, Entry<DatabaseSchema>>;
}

/** Turns any load failure into a short message; sign-in problems become their own kind. */
export function describeSchemaLoadProblem(error: unknown): SchemaLoadProblem {
  if (error instanceof SignInRequiredError) {
    return { kind: 'signInRequired', message: 'Sign in to see databases' };
  }
  const candidate = error as { kind?: unknown; code?: unknown; message?: unknown; name?: unknown } | undefined;
  const message = typeof candidate?.message === 'string' && candidate.message ? candidate.message : String(error);
  const code = typeof candidate?.code === 'string' && candidate.code ? candidate.code : undefined;
  // KustoRequestError (src/core/kusto/kustoErrors.ts) is recognised by shape so that this module does not load it.
  if (candidate?.kind === 'auth') {
    return { kind: 'signInRequired', message: 'Sign in to see databases', ...(code ? { code } : {}) };
  }
  if (error instanceof SchemaFormatError) {
    return { kind: 'error', message, code: 'SchemaFormat' };
  }
  return { kind: 'error', message, ...(code ? { code } : {}) };
}

function isDatabaseNotFound(error: unknown): boolean {
  const candidate = error as { kind?: unknown; code?: unknown } | undefined;
  return candidate?.kind === 'notFound' || (typeof candidate?.code === 'string' && /EntityNotFound|DatabaseNotFound/i.test(candidate.code));
}

export class SchemaStore {
  private readonly clusters = new Map<string, ClusterEntry>();
  private readonly listeners = new Set<(change: SchemaChange) => void>();

  constructor(
    private readonly executor: () => Promise<SchemaCommandExecutor>,
    private readonly options: SchemaStoreOptions = {},
  ) {}

  onDidChange(listener: (change: SchemaChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Current state of a cluster's database list, or undefined when never asked for. */
  peekDatabases(clusterUrl: string): LoadState<DatabaseInfo[]> | undefined {
    return this.clusters.get(clusterUrl)?.databases?.state;
  }

  peekSchema(clusterUrl: string, database: string): LoadState<DatabaseSchema> | undefined {
    return this.clusters.get(clusterUrl)?.schemas.get(database)?.state;
  }

  /** Every database schema loaded so far for a cluster. */
  loadedSchemas(clusterUrl: string): DatabaseSchema[] {
    const schemas: DatabaseSchema[] = [];
    for (const entry of this.clusters.get(clusterUrl)?.schemas.values() ?? []) {
      if (entry.state.status === 'loaded') {
        schemas.push(entry.state.value);
      }
    }
    return schemas;
  }

  /** The database list; concurrent callers share one request; a cached list is returned unless `force`. */
  loadDatabases(clusterUrl: string, force = false): Promise<DatabaseInfo[]> {
    const cluster = this.cluster(clusterUrl);
    // A Log Analytics workspace / Application Insights app URL has one database, named after it; the proxy
    // documents no `.show databases` (monitorProxy.ts), so it is not asked: the list is known at once (a peek
    // right after this call already sees it).
    const monitorDatabase = tryParseClusterUrl(clusterUrl)?.monitor?.database;
    if (monitorDatabase) {
      const value = [{ name: monitorDatabase }];
      if (cluster.databases?.state.status !== 'loaded') {
        cluster.databases = { state: { status: 'loaded', value }, promise: Promise.resolve(value) };
      }
      return cluster.databases.promise as Promise<DatabaseInfo[]>;
    }
    cluster.databases = this.load(cluster.databases, force, { clusterUrl }, async (executor) => {
      const commandDatabase = this.options.clusterCommandDatabase ?? 'NetDefaultDB';
      const run = (database: string) => executor.execute({ clusterUrl, database, text: '.show databases', requestKind: 'ListDatabases', ...this.timeout() });
      try {
        return databasesFromResponse(await run(commandDatabase));
      } catch (error) {
        const fallback = this.options.fallbackDatabase?.(clusterUrl);
        if (!fallback || fallback === commandDatabase || !isDatabaseNotFound(error)) {
          throw error;
        }
        return databasesFromResponse(await run(fallback));
      }
    });
    return cluster.databases.promise as Promise<DatabaseInfo[]>;
  }

  loadDatabaseSchema(clusterUrl: string, database: string, force = false): Promise<DatabaseSchema> {
    const cluster = this.cluster(clusterUrl);
    const entry = this.load(cluster.schemas.get(database), force, { clusterUrl, database }, async (executor) => {
      const response = await executor.execute({
        clusterUrl,
        database,
        text: `.show database ${quoteKustoName(database)} schema as json`,
        requestKind: 'LoadSchema',
        ...this.timeout(),
      });
      const schemas = databaseSchemasFromResponse(response);
      const schema = schemas.find((s) => s.name === database) ?? schemas.find((s) => s.name.toLowerCase() === database.toLowerCase());
      if (schema) {
        return schema;
      }
      if (schemas.length === 0) {
        // An empty result means an empty database (no tables or functions yet).
        return { name: database, tables: [], materializedViews: [], externalTables: [], functions: [] };
      }
      throw new SchemaFormatError(`The schema returned for database "${database}" describes ${schemas.map((s) => `"${s.name}"`).join(', ')} instead.`);
    });
    cluster.schemas.set(database, entry);
    return entry.promise as Promise<DatabaseSchema>;
  }

  /** Forgets a cluster's list and schemas (they reload on next expand). */
  invalidateCluster(clusterUrl: string): void {
    if (this.clusters.delete(clusterUrl)) {
      this.emit({ clusterUrl });
    }
  }

  invalidateDatabase(clusterUrl: string, database: string): void {
    if (this.clusters.get(clusterUrl)?.schemas.delete(database)) {
      this.emit({ clusterUrl, database });
    }
  }

  clear(): void {
    const urls = [...this.clusters.keys()];
    this.clusters.clear();
    urls.forEach((clusterUrl) => this.emit({ clusterUrl }));
  }

  /**
   * After a sign-in or sign-out: clusters that asked for sign-in, and clusters that no longer have a session,
   * forget what they showed so that their next expand loads again (or asks to sign in).
   */
  async refreshAfterSessionChange(hasSession: (clusterUrl: string) => Promise<boolean>): Promise<void> {
    const needingSignIn = new Set(this.clustersNeedingSignIn());
    for (const clusterUrl of this.knownClusters()) {
      let keep = false;
      try {
        keep = !needingSignIn.has(clusterUrl) && (await hasSession(clusterUrl));
      } catch {
        // When the session cannot be checked, reloading is the safe choice.
      }
      if (!keep) {
        this.invalidateCluster(clusterUrl);
      }
    }
  }

  /** Clusters with anything loaded, loading or failed. */
  knownClusters(): string[] {
    return [...this.clusters.keys()];
  }

  /** Clusters whose last load failed because sign-in is missing. */
  clustersNeedingSignIn(): string[] {
    const urls: string[] = [];
    for (const [url, cluster] of this.clusters) {
      const states = [cluster.databases?.state, ...[...cluster.schemas.values()].map((e) => e.state)];
      if (states.some((state) => state?.status === 'failed' && state.problem.kind === 'signInRequired')) {
        urls.push(url);
      }
    }
    return urls;
  }

  private timeout(): { serverTimeoutMs?: number } {
    const ms = this.options.serverTimeoutMs?.();
    return ms ? { serverTimeoutMs: ms } : {};
  }

  private cluster(clusterUrl: string): ClusterEntry {
    let cluster = this.clusters.get(clusterUrl);
    if (!cluster) {
      cluster = { schemas: new Map() };
      this.clusters.set(clusterUrl, cluster);
    }
    return cluster;
  }

  private load<T>(
    existing: Entry<T> | undefined,
    force: boolean,
    change: SchemaChange,
    fetch: (executor: SchemaCommandExecutor) => Promise<T>,
  ): Entry<T> {
    if (existing && existing.promise && !force && existing.state.status !== 'failed') {
      return existing;
    }
    if (existing && force && existing.state.status === 'loading' && existing.promise) {
      return existing;
    }
    const entry: Entry<T> = { state: { status: 'loading' } };
    const promise = (async () => {
      try {
        const value = await fetch(await this.executor());
        entry.state = { status: 'loaded', value };
        return value;
      } catch (error) {
        entry.state = { status: 'failed', problem: describeSchemaLoadProblem(error) };
        throw error;
      } finally {
        // A result that arrives after the entry was invalidated is kept only in its own (dropped) entry.
        if (this.isCurrent(change, entry)) {
          this.emit(change);
        }
      }
    })();
    // Callers that only peek must not see an unhandled rejection.
    promise.catch(() => undefined);
    entry.promise = promise;
    return entry;
  }

  private isCurrent(change: SchemaChange, entry: Entry<unknown>): boolean {
    const cluster = this.clusters.get(change.clusterUrl);
    if (!cluster) {
      return false;
    }
    const current = change.database === undefined ? cluster.databases : cluster.schemas.get(change.database);
    return current === entry;
  }

  private emit(change: SchemaChange): void {
    for (const listener of [...this.listeners]) {
      listener(change);
    }
  }
}
