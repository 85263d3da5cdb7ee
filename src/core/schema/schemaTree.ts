// The lazily built levels below a database in the explorer: kind groups → folders → entities → columns.
// Each call builds only the children of one node, so a database with thousands of tables expands without
// building a tree item for every table and column up front.
import {
  compareNames,
  type ColumnSchema,
  type DatabaseSchema,
  type FunctionSchema,
  type TableSchema,
} from './schemaModel';

export type SchemaGroup = 'tables' | 'materializedViews' | 'externalTables' | 'functions';

export const SCHEMA_GROUP_LABELS: Readonly<Record<SchemaGroup, string>> = {
  tables: 'Tables',
  materializedViews: 'Materialized Views',
  externalTables: 'External Tables',
  functions: 'Functions',
};

const GROUP_ORDER: readonly SchemaGroup[] = ['tables', 'materializedViews', 'externalTables', 'functions'];

export interface SchemaGroupNode {
  readonly kind: 'group';
  readonly group: SchemaGroup;
  readonly label: string;
  readonly count: number;
}

export interface SchemaFolderNode {
  readonly kind: 'folder';
  readonly group: SchemaGroup;
  /** Full path, `A/B`. */
  readonly path: string;
  /** Last segment, `B`. */
  readonly label: string;
}

/**
 * A stretch of a level too long to show at once: entities [from, to) of the level at `path`, in their sorted
 * order. VS Code's tree sends, lays out and keeps every child of an expanded node, so a level of 5,000 tables
 * costs seconds per expand (and again on every refresh above it); stretches keep each level small.
 */
export interface SchemaRangeNode {
  readonly kind: 'range';
  readonly group: SchemaGroup;
  readonly path: string;
  readonly from: number;
  readonly to: number;
  /** "first … last" names of the stretch. */
  readonly label: string;
}

/** Above this many entities in one level, the level is shown as stretches of entities. */
export const MAX_ENTITIES_PER_LEVEL = 1000;
/** Entities per stretch (more when a level is so large that stretches would be more than MAX_RANGES). */
export const RANGE_SIZE = 500;
const MAX_RANGES = 40;

export interface SchemaTableNode {
  readonly kind: 'table' | 'materializedView' | 'externalTable';
  readonly table: TableSchema;
}

export interface SchemaFunctionNode {
  readonly kind: 'function';
  readonly fn: FunctionSchema;
}

export interface SchemaColumnNode {
  readonly kind: 'column';
  readonly table: TableSchema;
  readonly column: ColumnSchema;
}

export type SchemaEntityNode = SchemaTableNode | SchemaFunctionNode;
export type SchemaChildNode = SchemaFolderNode | SchemaRangeNode | SchemaEntityNode;

type Entity = TableSchema | FunctionSchema;

function entitiesOf(database: DatabaseSchema, group: SchemaGroup): readonly Entity[] {
  return database[group];
}

/** The non-empty kind groups of a database, in a fixed order. */
export function databaseGroups(database: DatabaseSchema): SchemaGroupNode[] {
  return GROUP_ORDER.filter((group) => entitiesOf(database, group).length > 0).map((group) => ({
    kind: 'group',
    group,
    label: SCHEMA_GROUP_LABELS[group],
    count: entitiesOf(database, group).length,
  }));
}

interface FolderLevel {
  readonly subfolders: Set<string>;
  readonly entities: Entity[];
}

// One index per entity list, built on first expand and dropped with the list (schemas are immutable).
const folderIndexes = new WeakMap<readonly Entity[], Map<string, FolderLevel>>();

function folderIndex(entities: readonly Entity[]): Map<string, FolderLevel> {
  let index = folderIndexes.get(entities);
  if (index) {
    return index;
  }
  const built = new Map<string, FolderLevel>();
  const levelOf = (path: string): FolderLevel => {
    let level = built.get(path);
    if (!level) {
      level = { subfolders: new Set(), entities: [] };
      built.set(path, level);
    }
    return level;
  };
  levelOf('');
  for (const entity of entities) {
    levelOf(entity.folder).entities.push(entity);
    // Register every ancestor so that `A/B/C` shows up under `A` and then `A/B`.
    let path = entity.folder;
    while (path) {
      const slash = path.lastIndexOf('/');
      const parent = slash < 0 ? '' : path.slice(0, slash);
      levelOf(parent).subfolders.add(path);
      path = parent;
    }
  }
  index = built;
  folderIndexes.set(entities, index);
  return index;
}

function entityNode(entity: Entity): SchemaEntityNode {
  if ('parameters' in entity) {
    return { kind: 'function', fn: entity };
  }
  return { kind: entity.kind, table: entity };
}

/**
 * Sub-folders (sorted) then entities (sorted) directly inside `folderPath` ('' for the group itself); a level of
 * more than MAX_ENTITIES_PER_LEVEL entities gives stretches of them instead, and `range` one stretch's entities.
 */
export function groupChildren(database: DatabaseSchema, group: SchemaGroup, folderPath = '', range?: { readonly from: number; readonly to: number }): SchemaChildNode[] {
  const level = folderIndex(entitiesOf(database, group)).get(folderPath);
  if (!level) {
    return [];
  }
  if (range) {
    return level.entities.slice(range.from, range.to).map(entityNode);
  }
  const folders: SchemaFolderNode[] = [...level.subfolders]
    .sort(compareNames)
    .map((path) => ({ kind: 'folder', group, path, label: path.slice(path.lastIndexOf('/') + 1) }));
  // Entities keep the database's sorted order.
  const entities = level.entities;
  if (entities.length <= MAX_ENTITIES_PER_LEVEL) {
    return [...folders, ...entities.map(entityNode)];
  }
  const size = Math.max(RANGE_SIZE, Math.ceil(entities.length / MAX_RANGES));
  const ranges: SchemaRangeNode[] = [];
  for (let from = 0; from < entities.length; from += size) {
    const to = Math.min(entities.length, from + size);
    ranges.push({ kind: 'range', group, path: folderPath, from, to, label: `${entities[from]!.name} … ${entities[to - 1]!.name}` });
  }
  return [...folders, ...ranges];
}

export function tableColumns(table: TableSchema): SchemaColumnNode[] {
  return table.columns.map((column) => ({ kind: 'column', table, column }));
}
