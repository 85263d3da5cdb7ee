// Management commands (`.show ...`) of the local Kusto server, with the columns and JSON shapes a cluster returns.

import { compileQuery } from './kqlEngine';
import { KustoServiceError, databaseNotFound, syntaxError } from './kustoErrors';
import { CLR_TYPE_NAMES, ColumnSchema, Row } from './kustoTypes';
import { DatabaseDefinition, FunctionDefinition, sampleCatalog } from './sampleData';

export interface ManagementResult {
  readonly columns: readonly ColumnSchema[];
  readonly rows: readonly Row[];
}

export interface ManagementContext {
  /** Database of the request (may be empty for cluster-level commands). */
  readonly currentDatabase?: DatabaseDefinition;
  /** Databases the caller may read; others are invisible to it. */
  readonly canRead: (database: DatabaseDefinition) => boolean;
  /** Raised when the caller names a database it may not read. */
  readonly forbidden: (database: DatabaseDefinition) => KustoServiceError;
  /** The server's databases; default the sample catalog. */
  readonly catalog?: readonly DatabaseDefinition[];
}

export const SERVICE_VERSION = '1.0.9064.20331';

const string = (name: string): ColumnSchema => ({ name, type: 'string' });

export function runManagementCommand(command: string, context: ManagementContext): ManagementResult {
  const text = command.trim().replace(/;\s*$/, '');
  const normalized = text.replace(/\s+/g, ' ');
  let match: RegExpExecArray | null;

  if (/^\.show databases$/i.test(normalized)) {
    return showDatabases(context);
  }
  if (/^\.show (databases|cluster databases) schema as json$/i.test(normalized) || /^\.show schema as json$/i.test(normalized)) {
    const databases = (context.catalog ?? sampleCatalog()).filter(context.canRead);
    const json: Record<string, unknown> = { Databases: Object.fromEntries(databases.map((db) => [db.name, databaseSchema(db)])) };
    return schemaResult(/^\.show schema/i.test(normalized) ? { Plugins: [], ...json } : json);
  }
  if ((match = /^\.show database (?:\[\s*'([^']+)'\s*\]|\[\s*"([^"]+)"\s*\]|([\w.-]+) )?\s*schema as json$/i.exec(normalized))) {
    const database = resolveDatabase(match[1] ?? match[2] ?? match[3], context);
    return schemaResult({ Databases: { [database.name]: databaseSchema(database) } });
  }
  if ((match = /^\.show database (?:([\w.-]+) )?schema$/i.exec(normalized))) {
    return showDatabaseSchemaRows(resolveDatabase(match[1], context));
  }
  if (/^\.show tables$/i.test(normalized)) {
    const database = resolveDatabase(undefined, context);
    return {
      columns: [string('TableName'), string('DatabaseName'), string('Folder'), string('DocString')],
      rows: database.tables.map((t) => [t.name, database.name, t.folder, t.docString]),
    };
  }
  if ((match = /^\.show table ([\w]+) schema as json$/i.exec(normalized))) {
    const database = resolveDatabase(undefined, context);
    const table = database.tables.find((t) => t.name === match![1]);
    if (!table) {
      throw entityNotFound(match[1], 'Table');
    }
    return {
      columns: [string('TableName'), string('Schema'), string('DatabaseName'), string('Folder'), string('DocString')],
      rows: [[table.name, JSON.stringify(tableSchema(table.name, table.columns, table.folder, table.docString, 'Table')), database.name, table.folder, table.docString]],
    };
  }
  if ((match = /^\.show functions?(?: ([\w]+))?$/i.exec(normalized))) {
    const database = resolveDatabase(undefined, context);
    let functions = database.functions;
    if (match[1]) {
      functions = functions.filter((f) => f.name === match![1]);
      if (functions.length === 0) {
        throw entityNotFound(match[1], 'Function');
      }
    }
    return {
      columns: [string('Name'), string('Parameters'), string('Body'), string('Folder'), string('DocString')],
      rows: functions.map((f) => [f.name, functionSignature(f), f.body, f.folder, f.docString]),
    };
  }
  if (/^\.show materialized-views$/i.test(normalized)) {
    const database = resolveDatabase(undefined, context);
    return {
      columns: [string('Name'), string('SourceTable'), string('Query'), string('Folder'), string('DocString'), { name: 'IsEnabled', type: 'bool' }, { name: 'IsHealthy', type: 'bool' }],
      rows: database.materializedViews.map((v) => [v.name, v.source, v.query, v.folder, v.docString, true, true]),
    };
  }
  if (/^\.show external tables$/i.test(normalized)) {
    const database = resolveDatabase(undefined, context);
    return {
      columns: [string('TableName'), string('TableType'), string('Folder'), string('DocString'), string('Properties')],
      rows: database.externalTables.map((t) => [t.name, t.tableType, t.folder, t.docString, '{}']),
    };
  }
  if (/^\.show version$/i.test(normalized)) {
    return {
      columns: [string('BuildVersion'), { name: 'BuildTime', type: 'datetime' }, string('ServiceType'), string('ProductVersion'), string('ServiceOffering')],
      rows: [[SERVICE_VERSION, 638700000000000000n, 'Engine', 'LocalKusto.1.0', '{"Type":"Azure Data Explorer (local)"}']],
    };
  }
  const firstWords = text.split(/\s+/).slice(0, 2).join(' ');
  throw syntaxError(
    `The management command '${firstWords}' is unknown or not supported by the local Kusto server. ` +
      'Supported: .show databases, .show database <db> schema as json, .show databases schema as json, ' +
      '.show tables, .show table <t> schema as json, .show functions, .show materialized-views, .show external tables, .show version.',
    { line: 1, column: 1, token: text.split(/\s+/)[0] },
  );
}

function resolveDatabase(name: string | undefined, context: ManagementContext): DatabaseDefinition {
  const database = name ? (context.catalog ?? sampleCatalog()).find((db) => db.name.toLowerCase() === name.toLowerCase()) : context.currentDatabase;
  if (!database) {
    throw databaseNotFound(name ?? '');
  }
  if (!context.canRead(database)) {
    throw context.forbidden(database);
  }
  return database;
}

function entityNotFound(name: string, kind: string): KustoServiceError {
  return new KustoServiceError(
    400,
    'BadRequest_EntityNotFound',
    'Request is invalid and cannot be executed.',
    'Kusto.Data.Exceptions.EntityNotFoundException',
    `Entity ID '${name}' of kind '${kind}' was not found.`,
    true,
  );
}

function showDatabases(context: ManagementContext): ManagementResult {
  return {
    columns: [
      string('DatabaseName'),
      string('PersistentStorage'),
      string('Version'),
      { name: 'IsCurrent', type: 'bool' },
      string('DatabaseAccessMode'),
      string('PrettyName'),
      { name: 'CurrentUserIsUnrestrictedViewer', type: 'bool' },
      { name: 'DatabaseId', type: 'guid' },
    ],
    rows: (context.catalog ?? sampleCatalog())
      .filter(context.canRead)
      .map((db) => [
        db.name,
        `https://localkusto.blob.core.windows.net/${db.name.toLowerCase()}`,
        `v${db.majorVersion}.${db.minorVersion}`,
        db === context.currentDatabase,
        'ReadWrite',
        '',
        false,
        db.databaseId,
      ]),
  };
}

function schemaResult(json: unknown): ManagementResult {
  return { columns: [string('DatabaseSchema')], rows: [[JSON.stringify(json)]] };
}

function orderedColumns(columns: readonly ColumnSchema[]): Array<Record<string, unknown>> {
  return columns.map((c) => ({
    Name: c.name,
    Type: CLR_TYPE_NAMES[c.type],
    CslType: c.type,
    ...(c.docString ? { DocString: c.docString } : {}),
  }));
}

function tableSchema(name: string, columns: readonly ColumnSchema[], folder: string, docString: string, entityType: string): Record<string, unknown> {
  return { Name: name, EntityType: entityType, OrderedColumns: orderedColumns(columns), Folder: folder, DocString: docString };
}

function functionSignature(fn: FunctionDefinition): string {
  const parameters = fn.parameters.map((p) => `${p.name}:${p.type}${p.defaultValue !== undefined ? ` = ${p.defaultValue}` : ''}`);
  return `(${parameters.join(', ')})`;
}

function databaseSchema(database: DatabaseDefinition): Record<string, unknown> {
  return {
    Name: database.name,
    Tables: Object.fromEntries(
      database.tables.map((t) => [t.name, tableSchema(t.name, t.columns, t.folder, t.docString, 'Table')]),
    ),
    ExternalTables: Object.fromEntries(
      database.externalTables.map((t) => [
        t.name,
        { ...tableSchema(t.name, t.columns, t.folder, t.docString, 'ExternalTable'), TableType: t.tableType },
      ]),
    ),
    MaterializedViews: Object.fromEntries(
      database.materializedViews.map((v) => {
        const columns = compileQuery(v.query, database).results[0].columns;
        return [v.name, { ...tableSchema(v.name, columns, v.folder, v.docString, 'MaterializedViewTable'), Source: v.source, Query: v.query }];
      }),
    ),
    Functions: Object.fromEntries(
      database.functions.map((f) => [
        f.name,
        {
          Name: f.name,
          InputParameters: f.parameters.map((p) => ({
            Name: p.name,
            Type: CLR_TYPE_NAMES[p.type],
            CslType: p.type,
            ...(p.defaultValue !== undefined ? { CslDefaultValue: p.defaultValue } : {}),
          })),
          Body: f.body,
          Folder: f.folder,
          DocString: f.docString,
          FunctionKind: 'Unknown',
          OutputColumns: [],
        },
      ]),
    ),
    EntityGroups: {},
    MajorVersion: database.majorVersion,
    MinorVersion: database.minorVersion,
    DatabaseAccessMode: 'ReadWrite',
  };
}

function showDatabaseSchemaRows(database: DatabaseDefinition): ManagementResult {
  const rows: Row[] = [[database.name, '', '', '', false, false, '', `v${database.majorVersion}.${database.minorVersion}`, '', '']];
  for (const table of database.tables) {
    rows.push([database.name, table.name, '', '', false, false, '', '', table.folder, table.docString]);
    for (const column of table.columns) {
      rows.push([database.name, table.name, column.name, CLR_TYPE_NAMES[column.type], false, false, '', '', '', column.docString ?? '']);
    }
  }
  return {
    columns: [
      string('DatabaseName'), string('TableName'), string('ColumnName'), string('ColumnType'),
      { name: 'IsDefaultTable', type: 'bool' }, { name: 'IsDefaultColumn', type: 'bool' }, string('PrettyName'),
      string('Version'), string('Folder'), string('DocString'),
    ],
    rows,
  };
}
