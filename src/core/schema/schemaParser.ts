// Reads what Kusto returns for `.show database X schema as json`, `.show databases schema as json` and
// `.show databases` into the immutable model. Optional fields may be missing or null on real clusters
// (older engines send no CslType, DocString or Folder), so everything but names is tolerated when absent.
import type { KustoResponse, KustoTable } from '../kusto/resultTypes';
import {
  compareNames,
  normaliseFolder,
  type ColumnSchema,
  type DatabaseInfo,
  type DatabaseSchema,
  type FunctionParameter,
  type FunctionSchema,
  type TableKind,
  type TableSchema,
} from './schemaModel';

export class SchemaFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaFormatError';
  }
}

const CLR_TO_CSL: Readonly<Record<string, string>> = {
  'System.String': 'string',
  'System.Int32': 'int',
  'System.Int64': 'long',
  'System.Double': 'real',
  'System.Single': 'real',
  'System.DateTime': 'datetime',
  'System.TimeSpan': 'timespan',
  'System.Guid': 'guid',
  'System.Boolean': 'bool',
  // Kusto stores bool columns as SByte in its CLR schema.
  'System.SByte': 'bool',
  'System.Object': 'dynamic',
  'System.Data.SqlTypes.SqlDecimal': 'decimal',
  'Newtonsoft.Json.Linq.JToken': 'dynamic',
  'Newtonsoft.Json.Linq.JObject': 'dynamic',
  'Newtonsoft.Json.Linq.JArray': 'dynamic',
};

/** CSL type from a schema entry: CslType when sent, else mapped from the CLR Type, else `dynamic`. */
export function cslTypeOf(entry: { CslType?: unknown; Type?: unknown }): string {
  if (typeof entry.CslType === 'string' && entry.CslType.trim()) {
    return entry.CslType.trim();
  }
  if (typeof entry.Type === 'string' && entry.Type.trim()) {
    const clr = entry.Type.trim();
    return CLR_TO_CSL[clr] ?? clr;
  }
  return 'dynamic';
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Entries of a `{ "<name>": {...} }` map (the documented shape) or of an array of objects. */
function entriesOf(value: unknown): Array<[string, JsonObject]> {
  if (Array.isArray(value)) {
    return value.filter(isObject).map((entry) => [typeof entry.Name === 'string' ? entry.Name : '', entry]);
  }
  if (isObject(value)) {
    return Object.entries(value).filter((pair): pair is [string, JsonObject] => isObject(pair[1]));
  }
  return [];
}

function nameOf(key: string, entry: JsonObject): string {
  return typeof entry.Name === 'string' && entry.Name ? entry.Name : key;
}

function parseColumns(value: unknown): ColumnSchema[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const columns: ColumnSchema[] = [];
  for (const entry of value) {
    if (!isObject(entry) || typeof entry.Name !== 'string') {
      continue;
    }
    const docString = optionalText(entry.DocString);
    columns.push(docString ? { name: entry.Name, type: cslTypeOf(entry), docString } : { name: entry.Name, type: cslTypeOf(entry) });
  }
  return columns;
}

function parseTables(value: unknown, kind: TableKind): TableSchema[] {
  const tables: TableSchema[] = entriesOf(value).map(([key, entry]) => {
    const table: { -readonly [K in keyof TableSchema]: TableSchema[K] } = {
      kind,
      name: nameOf(key, entry),
      folder: normaliseFolder(optionalText(entry.Folder)),
      columns: parseColumns(entry.OrderedColumns ?? entry.Columns),
    };
    const docString = optionalText(entry.DocString);
    if (docString) table.docString = docString;
    // Engines differ in the property name of a view's source table.
    const sourceTable = optionalText(entry.SourceTable) ?? optionalText(entry.Source);
    if (sourceTable) table.sourceTable = sourceTable;
    const query = optionalText(entry.Query);
    if (query) table.query = query;
    return table;
  });
  return tables.filter((table) => table.name).sort((a, b) => compareNames(a.name, b.name));
}

function parseParameter(entry: JsonObject): FunctionParameter | undefined {
  if (typeof entry.Name !== 'string' || !entry.Name) {
    return undefined;
  }
  const docString = optionalText(entry.DocString);
  if (Array.isArray(entry.Columns)) {
    return { name: entry.Name, columns: parseColumns(entry.Columns), ...(docString ? { docString } : {}) };
  }
  const defaultValue = typeof entry.CslDefaultValue === 'string' ? entry.CslDefaultValue : undefined;
  return {
    name: entry.Name,
    type: cslTypeOf(entry),
    ...(defaultValue !== undefined ? { defaultValue } : {}),
    ...(docString ? { docString } : {}),
  };
}

function parseFunctions(value: unknown): FunctionSchema[] {
  const functions: FunctionSchema[] = entriesOf(value).map(([key, entry]) => {
    const parameters = Array.isArray(entry.InputParameters)
      ? entry.InputParameters.filter(isObject)
          .map(parseParameter)
          .filter((p): p is FunctionParameter => p !== undefined)
      : [];
    const docString = optionalText(entry.DocString);
    const functionKind = optionalText(entry.FunctionKind);
    return {
      name: nameOf(key, entry),
      parameters,
      body: typeof entry.Body === 'string' ? entry.Body : '',
      folder: normaliseFolder(optionalText(entry.Folder)),
      outputColumns: parseColumns(entry.OutputColumns),
      ...(docString ? { docString } : {}),
      ...(functionKind ? { functionKind } : {}),
    };
  });
  return functions.filter((fn) => fn.name).sort((a, b) => compareNames(a.name, b.name));
}

function parseDatabase(key: string, entry: JsonObject): DatabaseSchema {
  const prettyName = optionalText(entry.PrettyName);
  return {
    name: nameOf(key, entry),
    tables: parseTables(entry.Tables, 'table'),
    materializedViews: parseTables(entry.MaterializedViews, 'materializedView'),
    externalTables: parseTables(entry.ExternalTables, 'externalTable'),
    functions: parseFunctions(entry.Functions),
    ...(prettyName ? { prettyName } : {}),
    ...(typeof entry.MajorVersion === 'number' ? { majorVersion: entry.MajorVersion } : {}),
    ...(typeof entry.MinorVersion === 'number' ? { minorVersion: entry.MinorVersion } : {}),
  };
}

/**
 * Parses the DatabaseSchema JSON (string or already-parsed object) of `.show database(s) schema as json`
 * into one model per database, sorted by name.
 */
export function parseDatabasesSchemaJson(json: string | unknown): DatabaseSchema[] {
  let root: unknown = json;
  if (typeof json === 'string') {
    try {
      root = JSON.parse(json);
    } catch (error) {
      throw new SchemaFormatError(`The database schema sent by the cluster is not valid JSON (${(error as Error).message}).`);
    }
  }
  if (!isObject(root) || !('Databases' in root)) {
    throw new SchemaFormatError('The database schema sent by the cluster has no "Databases" object; expected the output of ".show database <name> schema as json".');
  }
  return entriesOf(root.Databases)
    .map(([key, entry]) => parseDatabase(key, entry))
    .sort((a, b) => compareNames(a.name, b.name));
}

function columnIndex(table: KustoTable, name: string): number {
  const lower = name.toLowerCase();
  return table.columns.findIndex((column) => column.name.toLowerCase() === lower);
}

function primaryTable(response: KustoResponse, command: string): KustoTable {
  const table = response.primaryResults[0];
  if (!table) {
    throw new SchemaFormatError(`The cluster returned no result table for "${command}".`);
  }
  return table;
}

/** The schemas in the response of `.show database X schema as json` or `.show databases schema as json`. */
export function databaseSchemasFromResponse(response: KustoResponse): DatabaseSchema[] {
  const command = '.show database schema as json';
  const table = primaryTable(response, command);
  let index = columnIndex(table, 'DatabaseSchema');
  if (index < 0 && table.columns.length === 1) {
    index = 0;
  }
  if (index < 0) {
    throw new SchemaFormatError(
      `The result of "${command}" has no DatabaseSchema column (columns: ${table.columns.map((c) => c.name).join(', ') || 'none'}).`,
    );
  }
  // Rows are concatenated: large schemas may come as one row per database.
  const schemas: DatabaseSchema[] = [];
  for (const row of table.rows) {
    const cell = row[index];
    if (cell === null || cell === undefined || cell === '') {
      continue;
    }
    schemas.push(...parseDatabasesSchemaJson(cell));
  }
  return schemas.sort((a, b) => compareNames(a.name, b.name));
}

/** Rows of `.show databases`, sorted by name. */
export function databasesFromResponse(response: KustoResponse): DatabaseInfo[] {
  const table = primaryTable(response, '.show databases');
  const nameIndex = columnIndex(table, 'DatabaseName');
  if (nameIndex < 0) {
    throw new SchemaFormatError(
      `The result of ".show databases" has no DatabaseName column (columns: ${table.columns.map((c) => c.name).join(', ') || 'none'}).`,
    );
  }
  const prettyIndex = columnIndex(table, 'PrettyName');
  const storageIndex = columnIndex(table, 'PersistentStorage');
  const versionIndex = columnIndex(table, 'Version');
  const seen = new Set<string>();
  const databases: DatabaseInfo[] = [];
  for (const row of table.rows) {
    const name = row[nameIndex];
    if (typeof name !== 'string' || !name || seen.has(name)) {
      continue;
    }
    seen.add(name);
    const prettyName = prettyIndex >= 0 ? optionalText(row[prettyIndex]) : undefined;
    const persistentStorage = storageIndex >= 0 ? optionalText(row[storageIndex]) : undefined;
    const version = versionIndex >= 0 ? optionalText(row[versionIndex]) : undefined;
    databases.push({
      name,
      ...(prettyName ? { prettyName } : {}),
      ...(persistentStorage ? { persistentStorage } : {}),
      ...(version ? { version } : {}),
    });
  }
  return databases.sort((a, b) => compareNames(a.name, b.name));
}
