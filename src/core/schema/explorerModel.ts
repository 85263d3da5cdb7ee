// What the Kusto explorer shows, as plain data: clusters → databases → kind groups → folders → entities →
// columns, plus "Loading…", error and sign-in items. vscode-free so that the whole tree, its lazy loading and
// its filter are testable in mocha; src/explorer turns these nodes into TreeItems.
import { filterDatabaseSchema, normaliseFilterText } from './schemaFilter';
import type { ColumnSchema, DatabaseInfo, DatabaseSchema, FunctionSchema, TableSchema } from './schemaModel';
import type { LoadState, SchemaStore } from './schemaStore';
import { databaseGroups, groupChildren, tableColumns, type SchemaGroup } from './schemaTree';

/** A configured cluster as the explorer needs it (src/clusterSettings.ts ClusterConnection fits). */
export interface ExplorerCluster {
  readonly url: string;
  readonly name: string;
  readonly defaultDatabase: string;
}

interface NodeBase {
  /** Unique and stable across refreshes (VS Code keeps expansion state by it). */
  readonly id: string;
  /** Canonical cluster URL ('' for a settings entry that is not a valid URL). Commands read these three. */
  readonly clusterUrl: string;
  readonly database?: string;
  readonly name: string;
}

export interface ClusterNode extends NodeBase {
  readonly type: 'cluster';
  readonly cluster: ExplorerCluster;
}
export interface InvalidClusterNode extends NodeBase {
  readonly type: 'invalidCluster';
  readonly message: string;
}
export interface DatabaseNode extends NodeBase {
  readonly type: 'database';
  readonly database: string;
  readonly info: DatabaseInfo;
  /** True when a filter is active and this database's loaded schema has matches. */
  readonly hasFilterMatches: boolean;
}
export interface GroupNode extends NodeBase {
  readonly type: 'group';
  readonly database: string;
  readonly group: SchemaGroup;
  readonly count: number;
}
export interface FolderNode extends NodeBase {
  readonly type: 'folder';
  readonly database: string;
  readonly group: SchemaGroup;
  readonly path: string;
  /** Folders of a small group (or under a filter) start expanded, so a few tables are one click away. */
  readonly startExpanded: boolean;
  /** A stretch of a long level (schemaTree.ts SchemaRangeNode): entities [from, to) of the level at `path`. */
  readonly range?: { readonly from: number; readonly to: number };
}

/** Up to this many entities in a group, its folders start expanded; above it they stay collapsed (cheap to draw). */
export const SMALL_GROUP_SIZE = 50;
export interface TableNode extends NodeBase {
  readonly type: 'table' | 'materializedView' | 'externalTable';
  readonly database: string;
  readonly table: TableSchema;
  /** True when the filter matched some of its columns but not its name: show them expanded. */
  readonly expandForFilter: boolean;
}
export interface FunctionNode extends NodeBase {
  readonly type: 'function';
  readonly database: string;
  readonly fn: FunctionSchema;
}
export interface ColumnNode extends NodeBase {
  readonly type: 'column';
  readonly database: string;
  readonly table: TableSchema;
  readonly column: ColumnSchema;
}
export interface MessageNode extends NodeBase {
  readonly type: 'loading' | 'error' | 'signInRequired' | 'empty';
  readonly message: string;
  readonly code?: string;
  /** The node a retry or sign-in reloads. */
  readonly target: ClusterNode | DatabaseNode;
}

export type ExplorerNode =
  | ClusterNode
  | InvalidClusterNode
  | DatabaseNode
  | GroupNode
  | FolderNode
  | TableNode
  | FunctionNode
  | ColumnNode
  | MessageNode;

/** Nodes whose children the store loads: the ones a refresh or retry acts on. */
export type LoadableNode = ClusterNode | DatabaseNode;

export class ExplorerModel {
  private clusters: readonly ExplorerCluster[] = [];
  private invalidEntries: readonly string[] = [];
  private filterText = '';
  // Stable node objects for clusters and databases, so a change event can name the node that changed.
  private readonly clusterNodes = new Map<string, ClusterNode>();
  private readonly databaseNodes = new Map<string, DatabaseNode>();
  private readonly filtered = new WeakMap<DatabaseSchema, { filter: string; result: DatabaseSchema | undefined }>();

  constructor(private readonly store: SchemaStore) {}

  get filter(): string {
    return this.filterText;
  }

  setClusters(clusters: readonly ExplorerCluster[], invalidEntries: readonly string[] = []): void {
    this.clusters = clusters;
    this.invalidEntries = invalidEntries;
  }

  /** Sets the name filter ('' clears it). */
  setFilter(text: string): void {
    this.filterText = text.trim();
  }

  clusterNode(clusterUrl: string): ClusterNode | undefined {
    return this.clusterNodes.get(clusterUrl);
  }

  databaseNode(clusterUrl: string, database: string): DatabaseNode | undefined {
    return this.databaseNodes.get(`${clusterUrl}|${database}`);
  }

  roots(): ExplorerNode[] {
    const nodes: ExplorerNode[] = this.clusters.map((cluster) => this.makeClusterNode(cluster));
    this.invalidEntries.forEach((entry, index) =>
      nodes.push({
        type: 'invalidCluster',
        id: `invalid|${index}|${entry}`,
        clusterUrl: '',
        name: entry,
        message: `"${entry}" in setting kusto.clusters is not a valid cluster URL; expected e.g. https://mycluster.westeurope.kusto.windows.net`,
      }),
    );
    return nodes;
  }

  /** Children of a node; starts loading what is missing and returns a "Loading…" item meanwhile. */
  children(node: ExplorerNode): ExplorerNode[] {
    switch (node.type) {
      case 'cluster':
        return this.clusterChildren(node);
      case 'database':
        return this.databaseChildren(node);
      case 'group':
      case 'folder': {
        const schema = this.visibleSchema(node.clusterUrl, node.database);
        if (!schema) {
          return [];
        }
        const startExpanded = Boolean(this.filterText) || schema[node.group].length <= SMALL_GROUP_SIZE;
        const folder = node.type === 'folder' ? node : undefined;
        return groupChildren(schema, node.group, folder?.path ?? '', folder?.range).map((child): ExplorerNode => {
          const parentId = `${node.clusterUrl}|${node.database}|${node.group}${this.filterSuffix()}`;
          if (child.kind === 'range') {
            return {
              type: 'folder',
              id: `${parentId}|range|${child.path}|${child.from}-${child.to}`,
              clusterUrl: node.clusterUrl,
              database: node.database,
              name: child.label,
              group: child.group,
              path: child.path,
              startExpanded: false,
              range: { from: child.from, to: child.to },
            };
          }
          if (child.kind === 'folder') {
            return { type: 'folder', id: `${parentId}|folder|${child.path}`, clusterUrl: node.clusterUrl, database: node.database, name: child.label, group: child.group, path: child.path, startExpanded };
          }
          if (child.kind === 'function') {
            return { type: 'function', id: `${parentId}|fn|${child.fn.name}`, clusterUrl: node.clusterUrl, database: node.database, name: child.fn.name, fn: child.fn };
          }
          const needle = normaliseFilterText(this.filterText);
          return {
            type: child.kind,
            id: `${parentId}|${child.kind}|${child.table.name}`,
            clusterUrl: node.clusterUrl,
            database: node.database,
            name: child.table.name,
            table: child.table,
            expandForFilter: needle !== '' && !child.table.name.toLowerCase().includes(needle),
          };
        });
      }
      case 'table':
      case 'materializedView':
      case 'externalTable':
        return tableColumns(node.table).map(({ column }) => ({
          type: 'column',
          id: `${node.id}|col|${column.name}`,
          clusterUrl: node.clusterUrl,
          database: node.database,
          name: column.name,
          table: node.table,
          column,
        }));
      default:
        return [];
    }
  }

  /** True when the node has (or may have, once loaded) children. */
  hasChildren(node: ExplorerNode): boolean {
    switch (node.type) {
      case 'cluster':
      case 'database':
      case 'group':
      case 'folder':
        return true;
      case 'table':
      case 'materializedView':
      case 'externalTable':
        return node.table.columns.length > 0;
      default:
        return false;
    }
  }

  /** Schema of a database after the filter (undefined when not loaded or nothing matches). */
  visibleSchema(clusterUrl: string, database: string): DatabaseSchema | undefined {
    const state = this.store.peekSchema(clusterUrl, database);
    return state?.status === 'loaded' ? this.applyFilter(state.value) : undefined;
  }

  private filterSuffix(): string {
    // A new filter gives new ids below databases, so VS Code applies the expanded state chosen for matches.
    return this.filterText ? `|filter:${this.filterText.toLowerCase()}` : '';
  }

  private applyFilter(schema: DatabaseSchema): DatabaseSchema | undefined {
    if (!this.filterText) {
      return schema;
    }
    const cached = this.filtered.get(schema);
    if (cached && cached.filter === this.filterText) {
      return cached.result;
    }
    const result = filterDatabaseSchema(schema, this.filterText);
    this.filtered.set(schema, { filter: this.filterText, result });
    return result;
  }

  private makeClusterNode(cluster: ExplorerCluster): ClusterNode {
    const existing = this.clusterNodes.get(cluster.url);
    if (existing && existing.cluster.name === cluster.name && existing.cluster.defaultDatabase === cluster.defaultDatabase) {
      return existing;
    }
    const node: ClusterNode = { type: 'cluster', id: `cluster|${cluster.url}`, clusterUrl: cluster.url, name: cluster.name, cluster };
    this.clusterNodes.set(cluster.url, node);
    return node;
  }

  private makeDatabaseNode(clusterUrl: string, info: DatabaseInfo): DatabaseNode {
    const key = `${clusterUrl}|${info.name}`;
    const state = this.store.peekSchema(clusterUrl, info.name);
    const hasFilterMatches = Boolean(this.filterText) && state?.status === 'loaded' && this.applyFilter(state.value) !== undefined;
    const existing = this.databaseNodes.get(key);
    const id = `db|${key}${hasFilterMatches ? this.filterSuffix() : ''}`;
    if (existing && existing.id === id && existing.info === info) {
      return existing;
    }
    const node: DatabaseNode = { type: 'database', id, clusterUrl, database: info.name, name: info.name, info, hasFilterMatches };
    this.databaseNodes.set(key, node);
    return node;
  }

  private message(target: LoadableNode, state: LoadState<unknown> | undefined, emptyMessage: string): MessageNode {
    const base = { id: `${target.id}|message`, clusterUrl: target.clusterUrl, name: '', target, ...(target.database ? { database: target.database } : {}) };
    if (!state || state.status === 'loading') {
      return { ...base, type: 'loading', message: 'Loading…' };
    }
    if (state.status === 'failed') {
      return state.problem.kind === 'signInRequired'
        ? { ...base, type: 'signInRequired', message: state.problem.message }
        : { ...base, type: 'error', message: state.problem.message, ...(state.problem.code ? { code: state.problem.code } : {}) };
    }
    return { ...base, type: 'empty', message: emptyMessage };
  }

  private clusterChildren(node: ClusterNode): ExplorerNode[] {
    let state = this.store.peekDatabases(node.clusterUrl);
    if (!state) {
      void this.store.loadDatabases(node.clusterUrl);
      state = this.store.peekDatabases(node.clusterUrl);
    }
    if (state?.status !== 'loaded') {
      return [this.message(node, state, '')];
    }
    const databases = state.value
      .map((info) => this.makeDatabaseNode(node.clusterUrl, info))
      // With a filter, a database whose loaded schema has no match is hidden; unloaded ones stay (to be expanded).
      .filter((db) => !this.filterText || db.hasFilterMatches || this.store.peekSchema(node.clusterUrl, db.database)?.status !== 'loaded');
    if (!databases.length) {
      return [this.message(node, state, this.filterText ? `No names match "${this.filterText}"` : 'No databases you can see on this cluster')];
    }
    return databases;
  }

  private databaseChildren(node: DatabaseNode): ExplorerNode[] {
    let state = this.store.peekSchema(node.clusterUrl, node.database);
    if (!state) {
      void this.store.loadDatabaseSchema(node.clusterUrl, node.database);
      state = this.store.peekSchema(node.clusterUrl, node.database);
    }
    if (state?.status !== 'loaded') {
      return [this.message(node, state, '')];
    }
    const schema = this.applyFilter(state.value);
    const groups = schema ? databaseGroups(schema) : [];
    if (!groups.length) {
      return [this.message(node, state, this.filterText ? `No names match "${this.filterText}"` : 'No tables or functions in this database')];
    }
    return groups.map((group) => ({
      type: 'group',
      id: `${node.clusterUrl}|${node.database}|${group.group}${this.filterSuffix()}`,
      clusterUrl: node.clusterUrl,
      database: node.database,
      name: group.label,
      group: group.group,
      count: group.count,
    }));
  }
}
