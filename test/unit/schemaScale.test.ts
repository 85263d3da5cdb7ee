import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { filterDatabaseSchema } from '../../src/core/schema/schemaFilter';
import { parseDatabasesSchemaJson } from '../../src/core/schema/schemaParser';
import { databaseGroups, groupChildren, tableColumns } from '../../src/core/schema/schemaTree';

const TABLE_COUNT = 5000;
const COLUMNS_PER_TABLE = 100;
const FOLDER_COUNT = 50;
const TYPES: Array<[string, string]> = [
  ['System.String', 'string'],
  ['System.Int64', 'long'],
  ['System.DateTime', 'datetime'],
  ['System.Double', 'real'],
  ['System.Object', 'dynamic'],
];

/** A `.show database Big schema as json` text: 5,000 tables × 100 columns in 50 folders, 200 functions. */
function bigSchemaJson(): string {
  const tables: Record<string, unknown> = {};
  for (let t = 0; t < TABLE_COUNT; t++) {
    const name = `Table_${String(t).padStart(4, '0')}`;
    const columns = [];
    for (let c = 0; c < COLUMNS_PER_TABLE; c++) {
      const [clr, csl] = TYPES[c % TYPES.length]!;
      // Column "Marker" exists only in every 1000th table, to check the filter finds exactly those.
      const columnName = c === 0 && t % 1000 === 0 ? 'Marker' : `Column_${c}`;
      columns.push({ Name: columnName, Type: clr, CslType: csl, DocString: c === 1 ? `Doc of ${name}.${columnName}` : '' });
    }
    tables[name] = { Name: name, OrderedColumns: columns, Folder: `Area_${t % FOLDER_COUNT}/Sub_${t % 2}`, DocString: '' };
  }
  const functions: Record<string, unknown> = {};
  for (let f = 0; f < 200; f++) {
    const name = `Fn_${f}`;
    functions[name] = {
      Name: name,
      InputParameters: [{ Name: 'n', Type: 'System.Int64', CslType: 'long', CslDefaultValue: '10' }],
      Body: `{ Table_0000 | take n }`,
      Folder: '',
      DocString: '',
      FunctionKind: 'Unknown',
      OutputColumns: [],
    };
  }
  return JSON.stringify({ Databases: { Big: { Name: 'Big', Tables: tables, ExternalTables: {}, MaterializedViews: {}, Functions: functions } } });
}

function timed<T>(label: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  console.log(`      ${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

describe('schema at scale (5,000 tables × 100 columns)', () => {
  const json = bigSchemaJson();

  it('builds, expands the first levels and filters correctly', () => {
    console.log(`      schema JSON: ${(json.length / 1e6).toFixed(1)} MB`);
    const [db] = timed('parse + build model', () => parseDatabasesSchemaJson(json));
    assert.ok(db);
    assert.equal(db.tables.length, TABLE_COUNT);
    assert.equal(db.tables[1234]!.columns.length, COLUMNS_PER_TABLE);

    const groups = timed('database children', () => databaseGroups(db));
    assert.deepEqual(groups.map((g) => `${g.label} (${g.count})`), ['Tables (5000)', 'Functions (200)']);

    const areas = timed('Tables children (folder index)', () => groupChildren(db, 'tables'));
    assert.equal(areas.length, FOLDER_COUNT);
    assert.ok(areas.every((n) => n.kind === 'folder'));
    const subfolders = timed('one folder\'s children', () => groupChildren(db, 'tables', 'Area_7'));
    assert.deepEqual(subfolders.map((n) => (n.kind === 'folder' ? n.path : n.kind)), ['Area_7/Sub_1']);
    const leaves = groupChildren(db, 'tables', 'Area_7/Sub_1');
    assert.equal(leaves.length, TABLE_COUNT / FOLDER_COUNT);
    assert.equal(leaves[0]!.kind === 'table' && leaves[0]!.table.name, 'Table_0007');
    const columns = timed('one table\'s columns', () => leaves[0]!.kind === 'table' ? tableColumns(leaves[0]!.table) : []);
    assert.equal(columns.length, COLUMNS_PER_TABLE);

    const byColumn = timed('filter by column name "marker"', () => filterDatabaseSchema(db, 'marker'));
    assert.ok(byColumn);
    assert.deepEqual(byColumn.tables.map((t) => t.name), ['Table_0000', 'Table_1000', 'Table_2000', 'Table_3000', 'Table_4000']);
    assert.ok(byColumn.tables.every((t) => t.columns.length === 1 && t.columns[0]!.name === 'Marker'));
    assert.deepEqual(byColumn.functions, []);
    assert.deepEqual(groupChildren(byColumn, 'tables').map((n) => (n.kind === 'folder' ? n.path : n.kind)), ['Area_0']);

    const byTable = timed('filter by table name "table_042"', () => filterDatabaseSchema(db, 'TABLE_042'));
    assert.deepEqual(byTable?.tables.map((t) => t.name), Array.from({ length: 10 }, (_, i) => `Table_042${i}`));
    assert.equal(byTable?.tables[0]!.columns.length, COLUMNS_PER_TABLE);

    const nothing = timed('filter with no match', () => filterDatabaseSchema(db, 'no-such-thing'));
    assert.equal(nothing, undefined);
  });
});
