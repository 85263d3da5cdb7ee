import * as assert from 'node:assert';
import { RecalledResults, responseBytes } from '../../src/core/history/recalledResults';
import { parseKustoResponseChunks } from '../../src/core/kusto/responseParser';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import type { KustoResponse } from '../../src/core/kusto/resultTypes';
import { buildStormEventsV2Body } from '../fixtures/kusto/stormEventsBody';

function responseFromBody(body: Buffer): KustoResponse {
  const parsed = parseKustoResponseChunks([body]);
  return {
    endpoint: 'query',
    clientRequestId: 'KE.RunQuery;test',
    primaryResults: parsed.tables.filter((t) => t.kind === 'PrimaryResult'),
    allTables: parsed.tables,
    partialErrors: parsed.partialErrors,
    elapsedMs: 1,
  };
}

describe('recalled results', () => {
  it('knows what a streamed result costs from its bytes as received', () => {
    const small = responseFromBody(buildStormEventsV2Body(1000));
    const large = responseFromBody(buildStormEventsV2Body(10_000));
    const body = buildStormEventsV2Body(10_000).length;
    const bytes = responseBytes(large);
    // The rows' bytes are most of the body; the cost grows with the rows.
    assert.ok(bytes > body * 0.8 && bytes < body * 1.2, `${bytes} bytes for a ${body}-byte body`);
    assert.ok(responseBytes(small) < bytes / 5);
  });

  it('measures tables built in memory by their JSON size', () => {
    const response: KustoResponse = {
      endpoint: 'query',
      clientRequestId: 'x',
      primaryResults: [],
      allTables: [{ id: 0, name: 'T', kind: 'PrimaryResult', columns: [{ name: 'a', type: 'string' }], rows: rowsOf([['x'.repeat(1000)]]) }],
      partialErrors: [],
      elapsedMs: 0,
    };
    assert.ok(responseBytes(response) > 1000);
  });

  it('keeps results within the byte budget, evicting the oldest first', () => {
    const recall = new RecalledResults<string>(1000);
    recall.keep('a', 'result a', 400);
    recall.keep('b', 'result b', 400);
    assert.deepStrictEqual(recall.keep('c', 'result c', 400).evicted, ['a']);
    assert.strictEqual(recall.get('a'), undefined);
    assert.strictEqual(recall.get('b'), 'result b');
    assert.strictEqual(recall.get('c'), 'result c');
    assert.strictEqual(recall.usedBytes, 800);
  });

  it('does not keep a result larger than the whole budget (and evicts nothing for it)', () => {
    const recall = new RecalledResults<string>(1000);
    recall.keep('a', 'a', 500);
    assert.deepStrictEqual(recall.keep('huge', 'huge', 5000), { kept: false, evicted: [] });
    assert.ok(recall.has('a'));
    assert.ok(!recall.has('huge'));
  });

  it('a smaller budget evicts at once; dropping frees the bytes', () => {
    const recall = new RecalledResults<string>(1000);
    recall.keep('a', 'a', 300);
    recall.keep('b', 'b', 300);
    assert.deepStrictEqual(recall.setBudget(400), ['a']);
    recall.drop('b');
    assert.strictEqual(recall.usedBytes, 0);
    assert.strictEqual(recall.size, 0);
  });
});
