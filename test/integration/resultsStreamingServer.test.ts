// The client shows the primary table's first rows while a slow body still streams from the local Kusto server
// (slowBody fault), in the plain DataTable form and with progressive frames; the settled rows are the rows of
// the same query read without streaming.

import * as assert from 'node:assert/strict';
import type { AccessTokenSource } from '../../src/core/auth/accessTokenSource';
import { KustoClient } from '../../src/core/kusto/kustoClient';
import { allRows } from '../../src/core/kusto/kustoRows';
import type { KustoRow } from '../../src/core/kusto/resultTypes';
import { startLocalStack, type LocalStack } from '../../src/localServers/localStack';
import { getTestAccessToken } from '../support/signInTestTokens';

describe('results stream in from a slow server', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let client: KustoClient;

  before(async () => {
    stack = await startLocalStack();
    const token = await getTestAccessToken(stack.signIn, stack.kusto.url);
    const tokens: AccessTokenSource = { getToken: async () => token };
    client = new KustoClient({ tokenSource: tokens, application: 'Kusto Explorer tests', clientVersion: 'Kusto.Explorer.VSCode:test' });
  });

  after(async () => {
    await client?.close();
    await stack?.close();
  });

  afterEach(() => stack.kusto.clearFaults());

  const query = 'StormEventsLarge | take 3000';
  /** More rows than one TableFragment holds (5,000): the progressive form appends several. */
  const progressiveQuery = 'StormEventsLarge | take 11000';

  for (const progressive of [false, true]) {
    it(`shows rows before the last byte${progressive ? ' (progressive frames)' : ''} and settles to the same rows as without streaming`, async () => {
      const text = progressive ? progressiveQuery : query;
      const reference = allRows((await client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text })).primaryResults[0].rows);
      stack.kusto.injectFault({ kind: 'slowBody', pauseMs: progressive ? 20 : 40 });
      const startedAt = performance.now();
      // Each update brings the rows after the ones already shown (read once each; earlier ones stay as they were).
      const updates: { at: number; count: number; newRows: KustoRow[] }[] = [];
      const response = await client.execute({
        clusterUrl: stack.kusto.url,
        database: 'Samples',
        text,
        ...(progressive ? { properties: { results_progressive_enabled: true } } : {}),
        onPrimaryRows: (table) =>
          updates.push({ at: performance.now() - startedAt, count: table.rows.length, newRows: table.rows.slice(updates.at(-1)?.count ?? 0, table.rows.length) }),
      });
      const lastRowAt = performance.now() - startedAt;
      const final = allRows(response.primaryResults[0].rows);
      assert.deepEqual(final, reference);
      assert.ok(updates.length >= 3, `several updates while streaming (${updates.length})`);
      assert.ok(updates[0].at < lastRowAt / 4, `first rows after ${updates[0].at.toFixed(0)} ms of ${lastRowAt.toFixed(0)} ms`);
      assert.deepEqual(updates.flatMap((update) => update.newRows), reference);
    });
  }

  it('a request cancelled half way has shown rows that are the start of the result', async () => {
    const reference = allRows((await client.execute({ clusterUrl: stack.kusto.url, database: 'Samples', text: query })).primaryResults[0].rows);
    stack.kusto.injectFault({ kind: 'slowBody', pauseMs: 40 });
    const controller = new AbortController();
    let shown: KustoRow[] = [];
    await assert.rejects(
      client.execute({
        clusterUrl: stack.kusto.url,
        database: 'Samples',
        text: query,
        signal: controller.signal,
        onPrimaryRows: (table) => {
          shown = table.rows.slice(0, table.rows.length);
          if (shown.length > reference.length / 3) controller.abort();
        },
      }),
    );
    assert.ok(shown.length > 0 && shown.length < reference.length);
    assert.deepEqual(shown, reference.slice(0, shown.length));
  });
});
