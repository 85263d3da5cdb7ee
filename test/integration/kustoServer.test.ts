// The local Kusto server speaks the real wire formats: v2 frames, v1 tables, management results, errors.

import * as assert from 'node:assert/strict';
import type { RunningKustoServer } from '../../src/localServers/kusto/kustoServer';
import { management, parseFrames, primaryTables, queryV1, queryV2, rawRequest } from '../support/kustoTestClient';
import { useLocalKustoServer } from '../support/localKustoServer';

describe('local Kusto server: wire format', () => {
  let server: RunningKustoServer;
  let token: string;
  useLocalKustoServer((started) => ({ server, token } = started));

  it('answers the auth metadata request without a token, naming itself as the resource', async () => {
    const response = await rawRequest(server.url, '/v1/rest/auth/metadata', undefined);
    assert.equal(response.status, 200);
    const metadata = JSON.parse(response.text) as { AzureAD: Record<string, unknown> };
    assert.equal(metadata.AzureAD.LoginEndpoint, 'https://127.0.0.1:9');
    assert.equal(metadata.AzureAD.KustoServiceResourceId, server.url);
    assert.equal(metadata.AzureAD.KustoClientAppId, 'db662dc1-0cfe-4e1c-a843-19a68e65be58');
    assert.equal(metadata.AzureAD.LoginMfaRequired, false);
  });

  it('returns StormEvents with its 22 typed columns in v2 frames in Kusto order', async () => {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'StormEvents | take 5'));
    assert.deepEqual(
      frames.map((f) => `${f.FrameType}${f.TableKind ? `:${f.TableKind}` : ''}`),
      ['DataSetHeader', 'DataTable:QueryProperties', 'DataTable:PrimaryResult', 'DataTable:QueryCompletionInformation', 'DataSetCompletion'],
    );
    assert.deepEqual(
      { IsProgressive: frames[0].IsProgressive, Version: frames[0].Version, IsFragmented: frames[0].IsFragmented, ErrorReportingPlacement: frames[0].ErrorReportingPlacement },
      { IsProgressive: false, Version: 'v2.0', IsFragmented: false, ErrorReportingPlacement: 'InData' },
    );
    const [table] = primaryTables(frames);
    assert.equal(table.TableId, 1);
    assert.equal(table.TableName, 'PrimaryResult');
    assert.equal(table.Columns?.length, 22);
    assert.deepEqual(table.Columns?.[0], { ColumnName: 'StartTime', ColumnType: 'datetime' });
    assert.deepEqual(table.Columns?.[21], { ColumnName: 'StormSummary', ColumnType: 'dynamic' });
    assert.equal(table.Rows?.length, 5);
    const firstRow = table.Rows?.[0] as unknown[];
    assert.match(String(firstRow[0]), /^2007-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$/);
    assert.equal(typeof firstRow[21], 'object', 'dynamic values are inline JSON in v2');
    const completion = frames[frames.length - 1];
    assert.equal(completion.HasErrors, false);
    assert.equal(completion.Cancelled, false);
  });

  it('counts the 59,066 StormEvents rows and reports statistics in QueryCompletionInformation', async () => {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'StormEvents | count'));
    const [table] = primaryTables(frames);
    assert.deepEqual(table.Columns, [{ ColumnName: 'Count', ColumnType: 'long' }]);
    assert.deepEqual(table.Rows, [[59066]]);
    const info = frames.find((f) => f.TableKind === 'QueryCompletionInformation');
    const columnNames = info?.Columns?.map((c) => c.ColumnName);
    assert.deepEqual(columnNames, ['Timestamp', 'ClientRequestId', 'ActivityId', 'SubActivityId', 'ParentActivityId', 'Level', 'LevelName', 'StatusCode', 'StatusCodeName', 'EventType', 'EventTypeName', 'Payload']);
    const stats = (info?.Rows as unknown[][]).find((row) => row[10] === 'QueryResourceConsumption');
    assert.ok(stats, 'a QueryResourceConsumption row is present');
    const payload = JSON.parse(String(stats[11])) as { ExecutionTime: number; resource_usage: { cpu: Record<string, string>; memory: { peak_per_node: number } }; dataset_statistics: Array<{ table_row_count: number }> };
    assert.equal(typeof payload.ExecutionTime, 'number');
    assert.match(payload.resource_usage.cpu['total cpu'], /^\d\d:\d\d:\d\d/);
    assert.ok(payload.resource_usage.memory.peak_per_node > 0);
    assert.deepEqual(payload.dataset_statistics.map((d) => d.table_row_count), [1]);
  });

  it('encodes every Kusto type exactly as Kusto does (v2)', async () => {
    const response = await queryV2(server.url, token, 'Samples', 'AllDataTypes | order by Id asc');
    // The long beyond 2^53 must be written as exact digits (JSON.parse would round it, so check the text).
    assert.ok(response.text.includes('9007199254740993'), 'long 9007199254740993 is written exactly');
    assert.ok(response.text.includes('-9223372036854775808') && response.text.includes('9223372036854775807'));
    const [table] = primaryTables(parseFrames(response));
    const columns = (table.Columns ?? []).map((c) => c.ColumnName);
    const rows = (table.Rows as unknown[][]).map((row) => Object.fromEntries(columns.map((name, i) => [name, row[i]])));
    const byDescription = new Map(rows.map((row) => [row.Description, row]));
    const edge = byDescription.get('edge values')!;
    assert.equal(edge.RealValue, 'NaN');
    assert.equal(edge.DecimalValue, '79228162514264337593543950335');
    assert.equal(edge.StringValue, '<img src=x onerror=alert(1)>', 'strings pass through unescaped');
    assert.equal(edge.DateTimeValue, '2020-03-04T14:05:01.3109965Z');
    assert.equal(edge.TimeSpanValue, '1.02:03:04');
    assert.deepEqual(edge.DynamicValue, [1, 'two', { three: 3 }, null]);
    const typical = byDescription.get('typical values')!;
    assert.equal(typical.BoolValue, true);
    assert.equal(typical.DateTimeValue, '2007-01-01T00:00:00Z');
    assert.equal(typical.TimeSpanValue, '01:02:03.1234567');
    assert.equal(typical.GuidValue, '74be27de-1e4e-49d9-b579-fe0b331d3642');
    const nulls = byDescription.get('null of every type')!;
    for (const [name, value] of Object.entries(nulls)) {
      if (name === 'Id' || name === 'Description') {
        continue;
      }
      assert.equal(value, name === 'StringValue' ? '' : null, `${name} of the null row`);
    }
    const minimum = byDescription.get('minimum values')!;
    assert.equal(minimum.RealValue, '-Infinity');
    assert.equal(minimum.DateTimeValue, '0001-01-01T00:00:00Z');
    assert.equal(minimum.TimeSpanValue, '-10675199.02:48:05.4775808');
    const maximum = byDescription.get('maximum values')!;
    assert.equal(maximum.RealValue, 'Infinity');
    assert.equal(maximum.DateTimeValue, '9999-12-31T23:59:59.9999999Z');
    assert.equal(maximum.TimeSpanValue, '10675199.02:48:05.4775807');
    assert.equal(maximum.StringValue, 'line one\nline two\ttabbed\r\n');
  });

  it('returns v1 query results with DataType, dynamic as JSON text and a table of contents', async () => {
    const response = await queryV1(server.url, token, 'Samples', 'AllDataTypes | where Id == 1');
    assert.equal(response.status, 200);
    const body = JSON.parse(response.text) as { Tables: Array<{ TableName: string; Columns: Array<Record<string, string>>; Rows: unknown[][] }> };
    assert.deepEqual(body.Tables.map((t) => t.TableName), ['Table_0', 'Table_1', 'Table_2', 'Table_3']);
    const [data] = body.Tables;
    const dynamicIndex = data.Columns.findIndex((c) => c.ColumnName === 'DynamicValue');
    assert.deepEqual(data.Columns[dynamicIndex], { ColumnName: 'DynamicValue', DataType: 'Object', ColumnType: 'dynamic' });
    assert.equal(typeof data.Rows[0][dynamicIndex], 'string');
    assert.deepEqual(JSON.parse(String(data.Rows[0][dynamicIndex])), { name: 'value', list: [1, 2, 3], nested: { flag: true } });
    const toc = body.Tables[3];
    assert.deepEqual(toc.Columns.map((c) => c.ColumnName), ['Ordinal', 'Kind', 'Name', 'Id', 'PrettyName']);
    assert.deepEqual(toc.Rows.map((r) => [r[1], r[2]]), [['QueryResult', 'PrimaryResult'], ['QueryProperties', '@ExtendedProperties'], ['QueryStatus', 'QueryStatus']]);
  });

  it('gives one PrimaryResult per statement of a batch, and the render visualization per table', async () => {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'PopulationData | take 3; StormEvents | summarize count() by State | top 4 by count_ | render piechart with (title="Top states")'));
    const tables = primaryTables(frames);
    assert.equal(tables.length, 2);
    assert.equal(tables[0].Rows?.length, 3);
    assert.equal(tables[1].Rows?.length, 4);
    const properties = frames.find((f) => f.TableKind === 'QueryProperties');
    const visualizations = (properties?.Rows as unknown[][]).map((row) => ({ tableId: row[0], key: row[1], value: JSON.parse(String(row[2])) as Record<string, unknown> }));
    assert.deepEqual(visualizations.map((v) => [v.tableId, v.key, v.value.Visualization]), [[1, 'Visualization', null], [2, 'Visualization', 'piechart']]);
    assert.equal(visualizations[1].value.Title, 'Top states');
  });

  it('filters, projects, extends, sorts and summarizes like KQL', async () => {
    const frames = parseFrames(
      await queryV2(
        server.url,
        token,
        'Samples',
        'StormEvents | where State == "TEXAS" and EventType has "hail" | extend Damage = DamageProperty + DamageCrops | summarize Events = count(), Total = sum(Damage) by EventType | order by Events desc',
      ),
    );
    const [table] = primaryTables(frames);
    assert.deepEqual(table.Columns, [
      { ColumnName: 'EventType', ColumnType: 'string' },
      { ColumnName: 'Events', ColumnType: 'long' },
      { ColumnName: 'Total', ColumnType: 'long' },
    ]);
    assert.equal(table.Rows?.length, 1);
    const [eventType, events] = table.Rows?.[0] as [string, number];
    assert.equal(eventType, 'Hail');
    // The same count through a different query shape must agree.
    const check = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', 'StormEvents | where EventType == "Hail" | where State == "TEXAS" | count')));
    assert.deepEqual(check[0].Rows, [[events]]);
  });

  it('answers .show databases, .show tables and .show functions as v1 tables', async () => {
    const databases = JSON.parse((await management(server.url, token, 'Samples', '.show databases')).text) as { Tables: Array<{ Columns: Array<{ ColumnName: string }>; Rows: unknown[][] }> };
    assert.equal(databases.Tables.length, 1);
    assert.equal(databases.Tables[0].Columns[0].ColumnName, 'DatabaseName');
    assert.deepEqual(databases.Tables[0].Rows.map((r) => r[0]), ['Samples', 'ContosoSales', 'SecurityLogs']);
    const tables = JSON.parse((await management(server.url, token, 'Samples', '.show tables')).text) as { Tables: Array<{ Rows: unknown[][] }> };
    assert.ok(tables.Tables[0].Rows.some((r) => r[0] === 'StormEvents' && r[2] === 'Storm_Events'));
    const functions = JSON.parse((await management(server.url, token, 'Samples', '.show functions')).text) as { Tables: Array<{ Rows: unknown[][] }> };
    assert.ok(functions.Tables[0].Rows.some((r) => r[0] === 'StormsInState' && r[1] === '(state:string, minDamage:long = 0)'));
  });

  it('returns the database schema JSON in the shape of `.show database X schema as json`', async () => {
    const response = await management(server.url, token, 'Samples', '.show database Samples schema as json');
    const body = JSON.parse(response.text) as { Tables: Array<{ Columns: Array<{ ColumnName: string; ColumnType: string }>; Rows: string[][] }> };
    assert.deepEqual(body.Tables[0].Columns.map((c) => [c.ColumnName, c.ColumnType]), [['DatabaseSchema', 'string']]);
    assert.equal(body.Tables[0].Rows.length, 1);
    const schema = JSON.parse(body.Tables[0].Rows[0][0]) as { Databases: Record<string, any> };
    const samples = schema.Databases.Samples;
    assert.equal(samples.Name, 'Samples');
    assert.equal(typeof samples.MajorVersion, 'number');
    const storm = samples.Tables.StormEvents;
    assert.equal(storm.Folder, 'Storm_Events');
    assert.ok(storm.DocString.length > 0);
    assert.equal(storm.OrderedColumns.length, 22);
    assert.deepEqual(storm.OrderedColumns[0], { Name: 'StartTime', Type: 'System.DateTime', CslType: 'datetime', DocString: 'The start date time of the storm event' });
    assert.equal(samples.Tables.AllDataTypes.Folder, 'Diagnostics/Types');
    assert.equal(samples.MaterializedViews.StormEventsByState.Source, 'StormEvents');
    assert.ok(samples.MaterializedViews.StormEventsByState.Query.includes('summarize'));
    assert.equal(samples.ExternalTables.StormArchive.EntityType, 'ExternalTable');
    const fn = samples.Functions.StormsInState;
    assert.deepEqual(fn.InputParameters, [
      { Name: 'state', Type: 'System.String', CslType: 'string' },
      { Name: 'minDamage', Type: 'System.Int64', CslType: 'long', CslDefaultValue: '0' },
    ]);
    assert.ok(fn.Body.startsWith('{'));
    const all = JSON.parse((JSON.parse((await management(server.url, token, undefined, '.show databases schema as json')).text) as { Tables: Array<{ Rows: string[][] }> }).Tables[0].Rows[0][0]) as { Databases: Record<string, unknown> };
    assert.deepEqual(Object.keys(all.Databases), ['Samples', 'ContosoSales', 'SecurityLogs']);
  });

  it('runs functions with arguments, materialized views and external tables', async () => {
    const viaFunction = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', 'StormsInState("KANSAS") | count')));
    const direct = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', 'StormEvents | where State == "KANSAS" | count')));
    assert.deepEqual(viaFunction[0].Rows, direct[0].Rows);
    const view = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', 'StormEventsByState | where State == "KANSAS"')));
    assert.deepEqual(view[0].Rows, [['KANSAS', (direct[0].Rows as number[][])[0][0]]]);
    const external = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', 'external_table("StormArchive") | count')));
    assert.deepEqual(external[0].Rows, [[4]]);
  });

  it('reports a semantic error like Kusto: HTTP 400, OneApi body, SEM0100, line and position', async () => {
    const response = await queryV2(server.url, token, 'Samples', 'StormEvents\n| where Statee == "TEXAS"');
    assert.equal(response.status, 400);
    assert.match(String(response.headers['content-type']), /application\/json/);
    const { error } = JSON.parse(response.text) as { error: Record<string, any> };
    assert.equal(error.code, 'General_BadRequest');
    assert.equal(error['@type'], 'Kusto.Data.Exceptions.SemanticException');
    assert.match(error['@message'], /SEM0100.*Failed to resolve scalar expression named 'Statee'/);
    assert.equal(error['@errorCode'], 'SEM0100');
    assert.equal(error['@line'], 2);
    // Line 1-based, position within the line 0-based, as Kusto writes them: `Statee` is the ninth character.
    assert.equal(error['@pos'], 8);
    assert.match(error['@message'], /\[line:position=2:8\]/);
    assert.equal(error['@permanent'], true);
    assert.ok(error['@context'].activityId);
    const unknownTable = JSON.parse((await queryV2(server.url, token, 'Samples', 'StormEvent | take 1')).text) as { error: Record<string, string> };
    assert.match(unknownTable.error['@message'], /Failed to resolve table or column expression named 'StormEvent'/);
  });

  it('never crashes on bad input: syntax errors, unsupported operators, bad bodies all get clear 4xx errors', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ db: 'Samples', csl: 'StormEvents | take' }, 400, /Expected a row count after 'take'/],
      [{ db: 'Samples', csl: 'StormEvents | join (PopulationData) on State' }, 400, /'join' operator is not supported/],
      [{ db: 'Samples', csl: 'print x = "unterminated' }, 400, /Unterminated string literal/],
      [{ db: 'Samples', csl: 'StormEvents | where State > 5' }, 400, /Cannot compare values of types string and long/],
      [{ db: 'Samples', csl: '' }, 400, /has no 'csl'/],
      [{ db: 'Samples' }, 400, /has no 'csl'/],
      ['{not json', 400, /not valid JSON/],
      [{ db: 'Samples', csl: 'print 1', properties: '{bad' }, 400, /'properties' is a string but not valid JSON/],
      [{ db: 'Samples', csl: '.show databases' }, 400, /must be sent to \/v1\/rest\/mgmt/],
      [{ db: 'NoSuchDb', csl: 'print 1' }, 400, /Entity ID 'NoSuchDb' of kind 'Database' was not found/],
    ];
    for (const [body, status, message] of cases) {
      const response = await rawRequest(server.url, '/v2/rest/query', body, { token });
      assert.equal(response.status, status, `${JSON.stringify(body)} → ${response.text}`);
      const { error } = JSON.parse(response.text) as { error: { '@message': string } };
      assert.match(error['@message'], message);
    }
    const unknownCommand = await management(server.url, token, 'Samples', '.drop table StormEvents');
    assert.equal(unknownCommand.status, 400);
    assert.match(unknownCommand.text, /'\.drop table' is unknown or not supported/);
    const wrongMethod = await rawRequest(server.url, '/v2/rest/query', undefined, { token });
    assert.equal(wrongMethod.status, 405);
    const unknownPath = await rawRequest(server.url, '/v3/rest/query', { csl: 'x' }, { token });
    assert.equal(unknownPath.status, 404);
  });

  it('accepts properties as an object or as a JSON string, and truncates at truncationmaxrecords with a partial error', async () => {
    for (const properties of [{ Options: { truncationmaxrecords: 10 } }, JSON.stringify({ Options: { truncationmaxrecords: 10 } })]) {
      const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'StormEvents | take 50', properties));
      const [table] = primaryTables(frames);
      const rows = table.Rows as unknown[];
      assert.equal(rows.length, 11, '10 data rows and the in-data error object');
      assert.ok(Array.isArray(rows[9]));
      const inData = rows[10] as { OneApiErrors: Array<{ error: { code: string; '@message': string } }> };
      assert.equal(inData.OneApiErrors[0].error.code, 'LimitsExceeded');
      assert.match(inData.OneApiErrors[0].error['@message'], /E_QUERY_RESULT_SET_TOO_LARGE/);
      const completion = frames[frames.length - 1];
      assert.equal(completion.HasErrors, true);
      assert.equal((completion.OneApiErrors as unknown[]).length, 1);
    }
    const untruncated = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', 'set notruncation; StormEvents | take 50', { Options: { truncationmaxrecords: 10 } })));
    assert.equal(untruncated[0].Rows?.length, 50);
  });

  it('streams progressive results as TableHeader, TableFragment, TableProgress and TableCompletion', async () => {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', 'StormEvents | take 12000', { Options: { results_progressive_enabled: true } }));
    assert.equal(frames[0].IsProgressive, true);
    const kinds = frames.map((f) => f.FrameType);
    assert.equal(kinds.filter((k) => k === 'TableHeader').length, 1);
    assert.ok(kinds.filter((k) => k === 'TableFragment').length >= 3);
    assert.ok(kinds.includes('TableProgress'));
    const fragments = frames.filter((f) => f.FrameType === 'TableFragment');
    assert.ok(fragments.every((f) => f.TableFragmentType === 'DataAppend' && f.TableId === 1));
    const rowCount = fragments.reduce((sum, f) => sum + (f.Rows?.length ?? 0), 0);
    assert.equal(rowCount, 12000);
    const completion = frames.find((f) => f.FrameType === 'TableCompletion');
    assert.deepEqual({ TableId: completion?.TableId, RowCount: completion?.RowCount }, { TableId: 1, RowCount: 12000 });
    assert.ok(kinds.indexOf('TableCompletion') > kinds.lastIndexOf('TableFragment'));
  });

  it('puts a truncation error into TableCompletion when asked for EndOfTable error placement', async () => {
    const frames = parseFrames(
      await queryV2(server.url, token, 'Samples', 'PopulationData', {
        Options: { results_v2_fragment_primary_tables: true, results_error_reporting_placement: 'end_of_table', truncationmaxrecords: 5 },
      }),
    );
    assert.equal(frames[0].ErrorReportingPlacement, 'EndOfTable');
    const completion = frames.find((f) => f.FrameType === 'TableCompletion');
    assert.equal(completion?.RowCount, 5);
    assert.equal((completion?.OneApiErrors as Array<{ error: { code: string } }>)[0].error.code, 'LimitsExceeded');
  });

  it('records requests without their Authorization header', async () => {
    const before = server.requests.length;
    await queryV2(server.url, token, 'Samples', 'print recorded = 1');
    const recorded = server.requests.slice(before);
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].csl, 'print recorded = 1');
    assert.equal(recorded[0].db, 'Samples');
    assert.equal(recorded[0].path, '/v2/rest/query');
    assert.equal(recorded[0].headers.authorization, undefined);
    assert.ok(!JSON.stringify(recorded).includes(token));
  });
});
