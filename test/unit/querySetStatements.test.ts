import * as assert from 'node:assert/strict';
import { effectiveRowLimit, setStatementsOf } from '../../src/core/kusto/querySetStatements';

describe('set statements in a query text (client request properties)', () => {
  it('reads the set statements before the query, with or without values, past comments and blank lines', () => {
    const text = '// big export\nset notruncation;\n\nSET truncationmaxsize = 1000000 ;\nset query_datascope="hotcache";\nStormEvents | take 10';
    assert.deepEqual([...setStatementsOf(text)], [
      ['notruncation', true],
      ['truncationmaxsize', '1000000'],
      ['query_datascope', '"hotcache"'],
    ]);
    assert.deepEqual([...setStatementsOf('StormEvents | where Text has "set notruncation;"')], []);
  });

  it('a query that sets notruncation has no row limit; its own truncationmaxrecords wins over the request', () => {
    assert.equal(effectiveRowLimit('set notruncation;\nT', 500_000), undefined);
    assert.equal(effectiveRowLimit('set notruncation = false;\nT', 500_000), 500_000);
    assert.equal(effectiveRowLimit('set truncationmaxrecords = 20;\nT', 500_000), 20);
    assert.equal(effectiveRowLimit('T | take 5', 500_000), 500_000);
    assert.equal(effectiveRowLimit('T | take 5', undefined), undefined);
  });
});
