// The local Kusto server honours `declare query_parameters` with values from the request's properties.Parameters,
// in the forms Kusto documents (strings and longs as JSON values, other types as KQL literals in strings).

import * as assert from 'node:assert/strict';
import type { RunningKustoServer } from '../../src/localServers/kusto/kustoServer';
import { parameterRequestValue, parseQueryParameters } from '../../src/core/kql/queryParameters';
import { parseFrames, primaryTables, queryV2 } from '../support/kustoTestClient';
import { useLocalKustoServer } from '../support/localKustoServer';

describe('local Kusto server: query parameters', () => {
  let server: RunningKustoServer;
  let token: string;
  useLocalKustoServer((started) => ({ server, token } = started));

  const query = 'declare query_parameters(state:string = "TEXAS", n:long = 3);\nStormEvents | where State == state | take n | project State';

  it('uses the request values, not the defaults, and leaves the query text as sent', async () => {
    const frames = parseFrames(await queryV2(server.url, token, 'Samples', query, { Parameters: { state: 'FLORIDA', n: 5 } }));
    const [table] = primaryTables(frames);
    assert.equal(table.Rows?.length, 5);
    assert.ok((table.Rows as unknown[][]).every((row) => row[0] === 'FLORIDA'));
    const recorded = server.requests[server.requests.length - 1];
    assert.equal(recorded.csl, query);
    assert.deepEqual(recorded.parameters, { state: 'FLORIDA', n: 5 });
  });

  it('falls back to the declared defaults', async () => {
    const [table] = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', query, {})));
    assert.equal(table.Rows?.length, 3);
    assert.ok((table.Rows as unknown[][]).every((row) => row[0] === 'TEXAS'));
  });

  it('accepts every value the extension sends for each declared type', async () => {
    const text =
      'declare query_parameters(i:int, r:real, b:bool, d:datetime, t:timespan, l:long, s:string);\n' +
      'print i = i, r = r, b = b, d = d, t = t, l = l, s = s';
    const inputs: Record<string, string> = { i: '7', r: '2.5', b: 'true', d: '2007-01-01', t: '1h', l: '42', s: 'a "quoted" value' };
    const parameters: Record<string, string | number> = {};
    for (const declared of parseQueryParameters(text) ?? []) {
      const result = parameterRequestValue(declared, inputs[declared.name]);
      assert.ok('value' in result, declared.name);
      parameters[declared.name] = result.value;
    }
    const [table] = primaryTables(parseFrames(await queryV2(server.url, token, 'Samples', text, { Parameters: parameters })));
    const [row] = table.Rows as unknown[][];
    assert.match(String(row[3]), /^2007-01-01T00:00:00/);
    assert.deepEqual([...row.slice(0, 3), ...row.slice(4)], [7, 2.5, true, '01:00:00', 42, 'a "quoted" value']);
  });

  it('a parameter with no value and no default is a semantic error naming it', async () => {
    const response = await queryV2(server.url, token, 'Samples', 'declare query_parameters(n:long); StormEvents | take n', {});
    assert.throws(() => parseFrames(response), /SEM0061.*Query parameter 'n' has no default value/);
  });
});
