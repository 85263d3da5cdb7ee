import * as assert from 'node:assert/strict';
import type { KustoResponse, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { databaseCsl, functionCsl, tableCsl } from '../../src/core/schema/schemaCsl';
import { filterDatabaseSchema } from '../../src/core/schema/schemaFilter';
import { formatParameters, normaliseFolder } from '../../src/core/schema/schemaModel';
import {
  databaseSchemasFromResponse,
  databasesFromResponse,
  parseDatabasesSchemaJson,
  SchemaFormatError,
} from '../../src/core/schema/schemaParser';
import { databaseGroups, groupChildren, tableColumns } from '../../src/core/schema/schemaTree';
import { kustoStringLiteral, quoteKustoName } from '../../src/core/schema/kustoNames';
import { rowsOf } from '../../src/core/kusto/kustoRows';

// Shaped like a real `.show database Samples schema as json` answer (one row, DatabaseSchema column, JSON string).
const SAMPLES_SCHEMA = {
  Databases: {
    Samples: {
      Name: 'Samples',
      Tables: {
        StormEvents: {
          Name: 'StormEvents',
          EntityType: 'Table',
          OrderedColumns: [
            { Name: 'StartTime', Type: 'System.DateTime', CslType: 'datetime', DocString: 'When the storm began' },
            { Name: 'State', Type: 'System.String', CslType: 'string' },
            { Name: 'DamageProperty', Type: 'System.Int32', CslType: 'int' },
            { Name: 'StormSummary', Type: 'System.Object', CslType: 'dynamic' },
          ],
          Folder: 'Storm_Events',
          DocString: 'US storm events <2007>',
        },
        'my table': {
          Name: 'my table',
          OrderedColumns: [{ Name: 'a b', Type: 'System.String', CslType: 'string' }],
          Folder: null,
          DocString: null,
        },
        // An older engine: no CslType, CLR types only, nested folder with a backslash.
        Legacy: {
          Name: 'Legacy',
          OrderedColumns: [
            { Name: 'Id', Type: 'System.Int64' },
            { Name: 'Flag', Type: 'System.SByte' },
            { Name: 'Amount', Type: 'System.Data.SqlTypes.SqlDecimal' },
          ],
          Folder: 'Archive\\Old',
        },
        TaxiRides: {
          Name: 'TaxiRides',
          OrderedColumns: [{ Name: 'trip_id', Type: 'System.Int64', CslType: 'long' }],
          Folder: 'Archive/New',
        },
      },
      ExternalTables: {},
      MaterializedViews: {
        DailyStorms: {
          Name: 'DailyStorms',
          EntityType: 'MaterializedViewTable',
          OrderedColumns: [
            { Name: 'Day', Type: 'System.DateTime', CslType: 'datetime' },
            { Name: 'Count', Type: 'System.Int64', CslType: 'long' },
          ],
          Folder: 'Views',
          SourceTable: 'StormEvents',
          Query: 'StormEvents | summarize Count = count() by Day = bin(StartTime, 1d)',
        },
      },
      Functions: {
        StormsBetween: {
          Name: 'StormsBetween',
          InputParameters: [
            { Name: 'start', Type: 'System.DateTime', CslType: 'datetime' },
            { Name: 'n', Type: 'System.Int64', CslType: 'long', CslDefaultValue: '10' },
          ],
          Body: '{\n    StormEvents | where StartTime >= start | take n\n}',
          Folder: 'Helpers',
          DocString: 'Storms "since" a time',
          FunctionKind: 'ViewFunction',
          OutputColumns: [],
        },
        Rows: {
          Name: 'Rows',
          InputParameters: [{ Name: 'T', Columns: [{ Name: 'x', Type: 'System.Int64', CslType: 'long' }] }, { Name: 'Any', Columns: [] }],
          Body: '{ T | count }',
          Folder: '',
          DocString: '',
          FunctionKind: 'Unknown',
          OutputColumns: [],
        },
      },
      MajorVersion: 12,
      MinorVersion: 3,
    },
  },
};

function table(name: string, columns: Array<[string, KustoTable['columns'][number]['type']]>, rows: KustoRow[]): KustoTable {
  return { id: 0, name, kind: 'PrimaryResult', columns: columns.map(([n, type]) => ({ name: n, type })), rows: rowsOf(rows) };
}

function response(primary: KustoTable): KustoResponse {
  return { endpoint: 'mgmt', clientRequestId: 'KE.test;1', primaryResults: [primary], allTables: [primary], partialErrors: [], elapsedMs: 1 };
}

const samples = () => parseDatabasesSchemaJson(JSON.stringify(SAMPLES_SCHEMA))[0]!;

describe('schema parsing', () => {
  it('reads tables, views, functions and columns with CSL types', () => {
    const db = samples();
    assert.equal(db.name, 'Samples');
    assert.equal(db.majorVersion, 12);
    assert.deepEqual(
      db.tables.map((t) => t.name),
      ['Legacy', 'my table', 'StormEvents', 'TaxiRides'],
    );
    const storms = db.tables.find((t) => t.name === 'StormEvents')!;
    assert.equal(storms.folder, 'Storm_Events');
    assert.equal(storms.docString, 'US storm events <2007>');
    assert.deepEqual(storms.columns[0], { name: 'StartTime', type: 'datetime', docString: 'When the storm began' });
    assert.equal(db.materializedViews[0]!.sourceTable, 'StormEvents');
    assert.equal(db.externalTables.length, 0);
    assert.deepEqual(db.functions.map((f) => f.name), ['Rows', 'StormsBetween']);
  });

  it('maps CLR types when an older engine sends no CslType, and normalises folders', () => {
    const legacy = samples().tables.find((t) => t.name === 'Legacy')!;
    assert.deepEqual(legacy.columns.map((c) => c.type), ['long', 'bool', 'decimal']);
    assert.equal(legacy.folder, 'Archive/Old');
    assert.equal(normaliseFolder('/A\\\\B//C/'), 'A/B/C');
    assert.equal(samples().tables.find((t) => t.name === 'my table')!.folder, '');
  });

  it('formats function parameters with defaults and tabular parameters', () => {
    const db = samples();
    assert.equal(formatParameters(db.functions[1]!.parameters), '(start: datetime, n: long = 10)');
    assert.equal(formatParameters(db.functions[0]!.parameters), '(T: (x: long), Any: (*))');
  });

  it('tolerates missing optional sections and the documented minimal shape', () => {
    const [db] = parseDatabasesSchemaJson(
      '{"Databases":{"TestDB":{"Name":"TestDB","Tables":{"Events":{"Name":"Events","DefaultColumn":null,"OrderedColumns":[{"Name":"Name","Type":"System.String"},{"Name":"SessionId","Type":"System.Int32"}]}},"PrettyName":null,"MajorVersion":1,"MinorVersion":1,"Functions":{}}}}',
    );
    assert.equal(db!.tables[0]!.columns[1]!.type, 'int');
    assert.deepEqual(db!.materializedViews, []);
    assert.deepEqual(db!.externalTables, []);
  });

  it('rejects text that is not a schema with an actionable message', () => {
    assert.throws(() => parseDatabasesSchemaJson('not json'), (e: unknown) => e instanceof SchemaFormatError && /not valid JSON/.test(e.message));
    assert.throws(() => parseDatabasesSchemaJson('{"Tables":{}}'), /no "Databases" object/);
  });

  it('reads the DatabaseSchema column of a management response', () => {
    const parsed = databaseSchemasFromResponse(response(table('Table_0', [['DatabaseSchema', 'string']], [[JSON.stringify(SAMPLES_SCHEMA)]])));
    assert.equal(parsed[0]!.tables.length, 4);
    assert.throws(
      () => databaseSchemasFromResponse(response(table('Table_0', [['A', 'string'], ['B', 'string']], []))),
      /no DatabaseSchema column \(columns: A, B\)/,
    );
  });

  it('reads .show databases rows', () => {
    const rows = databasesFromResponse(
      response(
        table(
          'Table_0',
          [['DatabaseName', 'string'], ['PersistentStorage', 'string'], ['Version', 'string'], ['IsCurrent', 'bool'], ['PrettyName', 'string']],
          [
            ['Samples', 'https://x/samples', 'v1.2', false, null],
            ['ContosoSales', 'https://x/contoso', 'v3.0', true, 'Contoso'],
          ],
        ),
      ),
    );
    assert.deepEqual(rows, [
      { name: 'ContosoSales', prettyName: 'Contoso', persistentStorage: 'https://x/contoso', version: 'v3.0' },
      { name: 'Samples', persistentStorage: 'https://x/samples', version: 'v1.2' },
    ]);
  });
});

describe('schema tree levels', () => {
  it('shows only non-empty kind groups, in order', () => {
    assert.deepEqual(
      databaseGroups(samples()).map((g) => `${g.label} (${g.count})`),
      ['Tables (4)', 'Materialized Views (1)', 'Functions (2)'],
    );
  });

  it('nests folders and lists entities inside the folder they belong to', () => {
    const db = samples();
    const top = groupChildren(db, 'tables');
    assert.deepEqual(
      top.map((n) => (n.kind === 'folder' || n.kind === 'range' ? `folder:${n.path}` : `${n.kind}:${'table' in n ? n.table.name : n.fn.name}`)),
      ['folder:Archive', 'folder:Storm_Events', 'table:my table'],
    );
    assert.deepEqual(
      groupChildren(db, 'tables', 'Archive').map((n) => (n.kind === 'folder' ? n.label : n.kind)),
      ['New', 'Old'],
    );
    const old = groupChildren(db, 'tables', 'Archive/Old');
    assert.equal(old.length, 1);
    assert.equal(old[0]!.kind === 'table' && old[0]!.table.name, 'Legacy');
    const functions = groupChildren(db, 'functions');
    assert.deepEqual(functions.map((n) => (n.kind === 'folder' ? n.path : n.kind)), ['Helpers', 'function']);
    assert.deepEqual(groupChildren(db, 'tables', 'No/Such'), []);
  });

  it('lists a table\'s columns in schema order', () => {
    const storms = samples().tables.find((t) => t.name === 'StormEvents')!;
    assert.deepEqual(tableColumns(storms).map((c) => `${c.column.name}: ${c.column.type}`), [
      'StartTime: datetime',
      'State: string',
      'DamageProperty: int',
      'StormSummary: dynamic',
    ]);
  });
});

describe('schema filter', () => {
  it('keeps matching tables whole and only matching columns of other tables, case-insensitively', () => {
    const db = samples();
    const filtered = filterDatabaseSchema(db, '  STATE ')!;
    assert.deepEqual(filtered.tables.map((t) => t.name), ['StormEvents']);
    assert.deepEqual(filtered.tables[0]!.columns.map((c) => c.name), ['State']);
    assert.deepEqual(filtered.functions, []);
    const byTable = filterDatabaseSchema(db, 'storm')!;
    assert.deepEqual(byTable.tables.map((t) => t.name), ['StormEvents']);
    assert.equal(byTable.tables[0]!.columns.length, 4);
    assert.deepEqual(byTable.materializedViews.map((t) => t.name), ['DailyStorms']);
    assert.deepEqual(byTable.functions.map((f) => f.name), ['StormsBetween']);
    // The original model is untouched.
    assert.equal(db.tables.length, 4);
  });

  it('returns the database unchanged for an empty filter and undefined when nothing matches', () => {
    const db = samples();
    assert.equal(filterDatabaseSchema(db, ''), db);
    assert.equal(filterDatabaseSchema(db, 'zzz-nothing'), undefined);
  });

  it('keeps the folder ancestors of a match', () => {
    const filtered = filterDatabaseSchema(samples(), 'legacy')!;
    assert.deepEqual(groupChildren(filtered, 'tables').map((n) => (n.kind === 'folder' ? n.path : n.kind)), ['Archive']);
    assert.deepEqual(groupChildren(filtered, 'tables', 'Archive').map((n) => (n.kind === 'folder' ? n.path : n.kind)), ['Archive/Old']);
  });
});

describe('names and CSL', () => {
  it('bracket-quotes names only when needed', () => {
    assert.equal(quoteKustoName('StormEvents'), 'StormEvents');
    assert.equal(quoteKustoName('my table'), "['my table']");
    assert.equal(quoteKustoName("it's"), "['it\\'s']");
    assert.equal(quoteKustoName('where'), "['where']");
    assert.equal(quoteKustoName('1st'), "['1st']");
    assert.equal(quoteKustoName('Data-2024'), "['Data-2024']");
    assert.equal(kustoStringLiteral('say "hi"\n'), '"say \\"hi\\"\\n"');
  });

  it('writes a table as .create-merge with folder, docstring and column doc strings', () => {
    const db = samples();
    assert.equal(
      tableCsl(db.tables.find((t) => t.name === 'StormEvents')!),
      '.create-merge table StormEvents (StartTime: datetime, State: string, DamageProperty: int, StormSummary: dynamic)' +
        ' with (folder = "Storm_Events", docstring = "US storm events <2007>")\n' +
        '.alter-merge table StormEvents column-docstrings (StartTime: "When the storm began")',
    );
    assert.equal(tableCsl(db.tables.find((t) => t.name === 'my table')!), ".create-merge table ['my table'] (['a b']: string)");
  });

  it('writes a function as .create-or-alter with its parameters and body', () => {
    const fn = samples().functions.find((f) => f.name === 'StormsBetween')!;
    assert.equal(
      functionCsl(fn),
      '.create-or-alter function with (folder = "Helpers", docstring = "Storms \\"since\\" a time") StormsBetween(start: datetime, n: long = 10)\n' +
        '{\n    StormEvents | where StartTime >= start | take n\n}',
    );
  });

  it('writes a materialized view with its source and query, and a whole database', () => {
    const db = samples();
    assert.equal(
      tableCsl(db.materializedViews[0]!),
      '.create-or-alter materialized-view with (folder = "Views") DailyStorms on table StormEvents\n{\nStormEvents | summarize Count = count() by Day = bin(StartTime, 1d)\n}',
    );
    const all = databaseCsl(db);
    assert.match(all, /^\/\/ Schema of database Samples/);
    for (const expected of ['.create-merge table Legacy (Id: long, Flag: bool, Amount: decimal) with (folder = "Archive/Old")', 'materialized-view', 'function with', 'Rows(T: (x: long), Any: (*))']) {
      assert.ok(all.includes(expected), `database CSL should contain ${expected}`);
    }
  });
});
