import * as assert from 'node:assert/strict';
import { formatErrorForModel, formatResponseForModel } from '../../src/core/agents/resultForModel';
import { formatDatabaseSchemaForModel, formatTableSchemaForModel } from '../../src/core/agents/schemaForModel';
import { KustoRequestError } from '../../src/core/kusto/kustoErrors';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import type { KustoResponse, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import type { DatabaseSchema } from '../../src/core/schema/schemaModel';

function table(rows: KustoRow[], name = 'PrimaryResult'): KustoTable {
  return {
    id: 1,
    name,
    kind: 'PrimaryResult',
    columns: [
      { name: 'Id', type: 'long' },
      { name: 'When', type: 'datetime' },
      { name: 'Amount', type: 'decimal' },
      { name: 'Name', type: 'string' },
      { name: 'Bag', type: 'dynamic' },
      { name: 'Ok', type: 'bool' },
    ],
    rows: rowsOf(rows),
  };
}

function response(tables: KustoTable[], partialErrors: KustoResponse['partialErrors'] = []): KustoResponse {
  return { endpoint: 'query', clientRequestId: 'KE.RunQuery;x', primaryResults: tables, allTables: tables, partialErrors, elapsedMs: 5 };
}

const EXACT_ROW: KustoRow = ['9007199254740993', '2020-03-04T14:05:01.3109965Z', '79228162514264337593543950335', 'a | b\nc', { k: [1, 'x'] }, true];

function manyRows(count: number): KustoRow[] {
  return Array.from({ length: count }, (_, i) => [i, '2021-01-01T00:00:00Z', '1.5', `name ${i}`, null, false]);
}

describe('Agent result formatting: what the model reads', () => {
  it('writes a Markdown table with column types and exact values (long past 2^53, decimal, 7-digit datetime)', () => {
    const text = formatResponseForModel(response([table([EXACT_ROW])]), { maxRows: 10, maxBytes: 10_000, format: 'markdown' });
    assert.match(text, /^1 row, 6 columns\./);
    assert.match(text, /\| Id \(long\) \| When \(datetime\) \| Amount \(decimal\) \| Name \(string\) \| Bag \(dynamic\) \| Ok \(bool\) \|/);
    assert.match(text, /\| 9007199254740993 \| 2020-03-04T14:05:01\.3109965Z \| 79228162514264337593543950335 \| a \\\| b\\nc \| \{"k":\[1,"x"\]\} \| true \|/);
    assert.doesNotMatch(text, /Truncated/);
  });

  it('writes CSV with a types line and quotes fields that need it; null is an empty field', () => {
    const text = formatResponseForModel(response([table([EXACT_ROW, [1, null, null, 'say "hi", ok', null, null]])]), {
      maxRows: 10,
      maxBytes: 10_000,
      format: 'csv',
    });
    const lines = text.split('\n');
    assert.equal(lines[0], '2 rows, 6 columns.');
    assert.equal(lines[1], 'Columns (name:type): Id:long, When:datetime, Amount:decimal, Name:string, Bag:dynamic, Ok:bool');
    assert.equal(lines[3], 'Id,When,Amount,Name,Bag,Ok');
    assert.equal(lines[4], '9007199254740993,2020-03-04T14:05:01.3109965Z,79228162514264337593543950335,"a | b');
    assert.equal(lines[6], '1,,,"say ""hi"", ok",,');
  });

  it('caps the rows shown and says how many there are in all', () => {
    const text = formatResponseForModel(response([table(manyRows(12_345))]), { maxRows: 20, maxBytes: 100_000, format: 'markdown' });
    assert.match(text, /^12,345 rows, 6 columns\. Truncated: showing the first 20 of 12,345 rows \(the 20-row limit\)\./);
    assert.equal(text.split('\n').filter((line) => /^\| \d+ \|/.test(line)).length, 20);
    assert.match(text, /\| 19 \| 2021-01-01T00:00:00Z/);
    assert.doesNotMatch(text, /\| 20 \| 2021/);
  });

  it('caps the bytes: the whole text stays under the limit and the note names the byte limit', () => {
    for (const format of ['markdown', 'csv'] as const) {
      const text = formatResponseForModel(response([table(manyRows(5_000))]), { maxRows: 5_000, maxBytes: 4096, format });
      assert.ok(Buffer.byteLength(text) <= 4096, `${format}: ${Buffer.byteLength(text)} bytes`);
      assert.match(text, /Truncated: showing the first \d+ of 5,000 rows \(the 4 KB output limit\)/, format);
    }
  });

  it('cuts a single huge value instead of letting it take the whole budget, and says so', () => {
    const huge = 'x'.repeat(50_000);
    const text = formatResponseForModel(response([table([[1, null, null, huge, null, null]])]), { maxRows: 10, maxBytes: 16_384, format: 'markdown' });
    assert.match(text, /1 value was longer than 1000 characters and cut/);
    assert.match(text, /…\(49000 more characters\)/);
    assert.ok(Buffer.byteLength(text) < 16_384);
  });

  it('shares the row budget across several result tables and names them; warns about partial results', () => {
    const text = formatResponseForModel(
      response([table(manyRows(3), 'First'), table(manyRows(3), 'Second')], [{ code: 'LimitsExceeded', message: 'Query result set has exceeded the internal record count limit.' }]),
      { maxRows: 4, maxBytes: 100_000, format: 'markdown' },
    );
    assert.match(text, /^Warning from Kusto: the results may be incomplete: LimitsExceeded: Query result set has exceeded/);
    assert.match(text, /Table 1 of 2 \(First\): 3 rows, 6 columns\./);
    assert.match(text, /Table 2 of 2 \(Second\): 3 rows, 6 columns\. Truncated: showing the first 1 of 3 rows/);
  });

  it('says so when a query returns no rows or no table', () => {
    assert.match(formatResponseForModel(response([table([])])), /^0 rows, 6 columns\.\n\n\| Id \(long\).*\n.*\n\(no rows\)$/);
    assert.equal(formatResponseForModel(response([])), 'The request succeeded and returned no result table.');
  });

  it('errors are the Kusto code, message and position; no stack, no token', () => {
    const error = new KustoRequestError({
      kind: 'query',
      code: 'SEM0100',
      message: "'Stat' is not a column of StormEvents\n   at Kusto.Engine.Something()",
      clientRequestId: 'KE.RunQuery;1',
      clusterUrl: 'https://c.kusto.windows.net',
      position: { line: 2, column: 10 },
    });
    const text = formatErrorForModel(error);
    assert.equal(text, "Error: SEM0100 at line 2, position 10: 'Stat' is not a column of StormEvents");
    const leaky = new Error('request failed with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl');
    const leakyText = formatErrorForModel(leaky);
    assert.doesNotMatch(leakyText, /eyJ/);
    assert.doesNotMatch(leakyText, /\n\s+at /);
  });
});

describe('Agent schema formatting', () => {
  const schema: DatabaseSchema = {
    name: 'Samples',
    tables: [
      { kind: 'table', name: 'StormEvents', folder: 'Weather', docString: 'US storms', columns: [{ name: 'StartTime', type: 'datetime', docString: 'When it began' }, { name: 'State', type: 'string' }] },
      { kind: 'table', name: 'Trips', folder: '', columns: [{ name: 'Id', type: 'long' }] },
    ],
    materializedViews: [{ kind: 'materializedView', name: 'DailyStorms', folder: '', sourceTable: 'StormEvents', columns: [{ name: 'Day', type: 'datetime' }] }],
    externalTables: [],
    functions: [{ name: 'StormsIn', parameters: [{ name: 'state', type: 'string' }], body: '{ StormEvents | where State == state }', folder: '', docString: 'Storms of a state', outputColumns: [] }],
  };

  it('lists tables, views and functions with column counts, folders, doc strings and signatures', () => {
    const text = formatDatabaseSchemaForModel(schema, 'help (https://help.kusto.windows.net)', 10_000);
    assert.match(text, /^Database Samples on help \(https:\/\/help\.kusto\.windows\.net\): 2 tables, 1 materialized view, 0 external tables, 1 function\./);
    assert.match(text, /- StormEvents \[Weather\]: 2 columns — US storms/);
    assert.match(text, /Materialized views:\n- DailyStorms: 1 column \(from StormEvents\)/);
    assert.match(text, /Functions:\n- StormsIn\(state: string\) — Storms of a state/);
  });

  it("gives one table's columns with types and doc strings", () => {
    const text = formatTableSchemaForModel(schema.tables[0], 'Samples', 10_000);
    assert.match(text, /^Table StormEvents in database Samples \(folder Weather\): 2 columns\.\nDescription: US storms/);
    assert.match(text, /\| StartTime \| datetime \| When it began \|\n\| State \| string \| {2}\|/);
  });

  it('stays within the byte budget and says how much was left out', () => {
    const big: DatabaseSchema = { ...schema, tables: Array.from({ length: 500 }, (_, i) => ({ kind: 'table' as const, name: `Table${i}`, folder: '', columns: [] })) };
    const text = formatDatabaseSchemaForModel(big, 'x', 2048);
    assert.ok(Buffer.byteLength(text) <= 2048 + 100);
    assert.match(text, /\(\d+ more entities not listed: output size limit reached\.\)/);
  });
});
