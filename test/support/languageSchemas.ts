// Schemas for the language service's tests and benchmark: the local server's Samples database as the explorer
// would hold it, and a wide database of any size.
import { LanguageEngine } from '../../src/core/language/languageEngine';
import { loadKustoLanguage } from '../../src/core/language/kustoLanguageLibrary';
import type { DatabaseKey, DocumentRef } from '../../src/core/language/languageProtocol';
import type { DatabaseSchema, TableSchema } from '../../src/core/schema/schemaModel';
import { findDatabase } from '../../src/localServers/kusto/sampleData';
import { kustoLanguagePackageDirectory } from './kustoLanguagePackage';

/** The local Kusto server's `Samples` (StormEvents and the rest) as a DatabaseSchema. */
export function samplesShapedSchema(): DatabaseSchema {
  const samples = findDatabase('Samples');
  if (!samples) {
    throw new Error('The local server has no Samples database.');
  }
  const table = (kind: TableSchema['kind']) => (definition: { name: string; folder: string; docString: string; columns: readonly { name: string; type: string; docString?: string }[] }): TableSchema => ({
    kind,
    name: definition.name,
    folder: definition.folder,
    docString: definition.docString,
    columns: definition.columns.map((column) => ({ name: column.name, type: column.type, ...(column.docString ? { docString: column.docString } : {}) })),
  });
  const sourceColumns = (source: string) => samples.tables.find((t) => t.name === source)?.columns ?? [];
  return {
    name: samples.name,
    tables: samples.tables.map(table('table')),
    materializedViews: samples.materializedViews.map((view) =>
      table('materializedView')({ ...view, columns: sourceColumns(view.source) }),
    ),
    externalTables: samples.externalTables.map(table('externalTable')),
    functions: samples.functions.map((fn) => ({
      name: fn.name,
      parameters: fn.parameters.map((p) => ({ name: p.name, type: p.type, ...(p.defaultValue !== undefined ? { defaultValue: p.defaultValue } : {}) })),
      body: fn.body,
      folder: fn.folder,
      docString: fn.docString,
      outputColumns: [],
    })),
  };
}

const TYPES = ['string', 'long', 'datetime', 'real', 'dynamic', 'bool', 'timespan', 'int'];

/** `tableCount` tables `Table_0000`… of `columnCount` columns `Column_0`… (a few with doc strings). */
export function wideSchema(name: string, tableCount: number, columnCount: number): DatabaseSchema {
  const tables: TableSchema[] = [];
  for (let t = 0; t < tableCount; t++) {
    const tableName = `Table_${String(t).padStart(4, '0')}`;
    tables.push({
      kind: 'table',
      name: tableName,
      folder: `Area_${t % 50}`,
      columns: Array.from({ length: columnCount }, (_, c) => ({
        name: `Column_${c}`,
        type: TYPES[c % TYPES.length],
        ...(c === 1 ? { docString: `Doc of ${tableName}.Column_${c}` } : {}),
      })),
    });
  }
  return {
    name,
    tables,
    materializedViews: [],
    externalTables: [],
    functions: Array.from({ length: 100 }, (_, f) => ({
      name: `Fn_${f}`,
      parameters: [{ name: 'n', type: 'long', defaultValue: '10' }],
      body: '{ Table_0000 | take n }',
      folder: '',
      outputColumns: [],
    })),
  };
}

// A small schema with every kind of entity and the odd names a real database has.
export const KEY: DatabaseKey = { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples' };

export const SCHEMA: DatabaseSchema = {
  name: 'Samples',
  tables: [
    {
      kind: 'table',
      name: 'StormEvents',
      folder: 'Storm',
      docString: 'US storm events',
      columns: [
        { name: 'StartTime', type: 'datetime', docString: 'When the storm started' },
        { name: 'State', type: 'string' },
        { name: 'DamageProperty', type: 'long' },
      ],
    },
    { kind: 'table', name: 'my table', folder: '', columns: [{ name: 'col x', type: 'real' }, { name: "it's", type: 'string' }] },
    { kind: 'table', name: 'where', folder: '', columns: [{ name: 'project', type: 'string' }] },
  ],
  materializedViews: [
    { kind: 'materializedView', name: 'DailyStorms', folder: '', sourceTable: 'StormEvents', query: 'StormEvents | summarize count() by bin(StartTime, 1d)', columns: [{ name: 'Day', type: 'datetime' }, { name: 'Storms', type: 'long' }] },
  ],
  externalTables: [{ kind: 'externalTable', name: 'ArchivedStorms', folder: '', docString: 'Blob archive', columns: [{ name: 'EventId', type: 'long' }] }],
  functions: [
    {
      name: 'StormsIn',
      parameters: [{ name: 'state', type: 'string' }, { name: 'limit', type: 'long', defaultValue: '10' }],
      body: '{ StormEvents | where State == state | take limit }',
      folder: '',
      docString: 'Storms of one state',
      outputColumns: [],
    },
    {
      name: 'CountBy',
      parameters: [{ name: 'T', columns: [{ name: 'State', type: 'string' }] }, { name: 'minimum', type: 'long' }],
      body: '{ T | summarize n = count() by State | where n >= minimum }',
      folder: '',
      outputColumns: [],
    },
    { name: 'AnyTable', parameters: [{ name: 'T', columns: [] }], body: 'T | take 1', folder: '', outputColumns: [] },
  ],
};

let version = 0;
/** A new version of the test document; `null` for a document with no connection (no cluster configured). */
export function doc(text: string, connection: DatabaseKey | null = KEY): DocumentRef {
  return { uri: 'file:///q.kql', version: ++version, text, ...(connection ? { connection } : {}) };
}

export function newEngine(): LanguageEngine {
  return new LanguageEngine(loadKustoLanguage(kustoLanguagePackageDirectory()));
}

