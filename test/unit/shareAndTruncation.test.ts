import * as assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeDeepLinkQuery, encodeDeepLinkQuery, parseWebExplorerLink, webExplorerLink } from '../../src/core/share/deepLink';
import { escapeHtml, markdownCell, resultsAsHtml, resultsAsMarkdown } from '../../src/core/share/queryAndResults';
import { detectTruncation, withoutTruncation } from '../../src/core/results/truncation';
import { ResultsController } from '../../src/core/results/resultsController';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import type { KustoResponse } from '../../src/core/kusto/resultTypes';
import type { ExtensionToPageMessage, RunInfo } from '../../src/shared/resultsProtocol';

const query = 'StormEvents\n| where State == "FLORIDA" and EventType has "Flood" // ünïcode ✓\n| take 10';

describe('sharing: web explorer deep link', () => {
  it('is https://dataexplorer.azure.com/clusters/<host>/databases/<db>?query=<base64 of the gzipped query>', () => {
    const link = webExplorerLink('https://help.kusto.windows.net', 'Samples', query);
    assert.match(link, /^https:\/\/dataexplorer\.azure\.com\/clusters\/help\.kusto\.windows\.net\/databases\/Samples\?query=H4sI/);
    const value = new URL(link).searchParams.get('query') ?? '';
    // The documented transformation, done independently: base64(gzip(text)) decodes back to the query.
    assert.equal(gunzipSync(Buffer.from(value, 'base64')).toString('utf8'), query);
    assert.equal(decodeDeepLinkQuery(value), query);
  });

  it('decodes back to cluster, database and query, also for odd names and long queries', () => {
    const long = `${'StormEvents | where DamageProperty > 0 '.repeat(500)}| count`;
    for (const [cluster, database, text] of [
      ['https://mycluster.westeurope.kusto.windows.net', 'My DB+1', long],
      ['http://127.0.0.1:8082', 'Samples', 'print x = "a&b=c?d#e"'],
    ]) {
      const parsed = parseWebExplorerLink(webExplorerLink(cluster, database, text));
      assert.equal(parsed.cluster, new URL(cluster).host);
      assert.equal(parsed.database, database);
      assert.equal(parsed.query, text);
    }
    assert.ok(webExplorerLink('https://c.kusto.windows.net', 'd', long).length < long.length / 5, 'compressed');
  });

  it('matches a link built by the documented algorithm from any gzip (the bytes may differ, the query may not)', () => {
    const documented = encodeURIComponent(gzipSync(Buffer.from(query, 'utf8'), { level: 9 }).toString('base64'));
    assert.equal(decodeDeepLinkQuery(decodeURIComponent(documented)), query);
    assert.equal(gunzipSync(Buffer.from(encodeDeepLinkQuery(query), 'base64')).toString('utf8'), query);
  });

  it('names the bad cluster in its error', () => {
    assert.throws(() => webExplorerLink('not a url', 'db', 'x'), /cluster "not a url"/);
  });
});

describe('sharing: query and results for the clipboard', () => {
  const shared = {
    clusterUrl: 'https://help.kusto.windows.net',
    database: 'Samples',
    queryText: 'T | where x == "<b>" // ```',
    columns: ['Name', 'Note|pipe'],
    rows: [
      ['<script>alert(1)</script>', 'a|b\nc'],
      [null, 'Tom & "Jerry"'],
    ],
    totalRows: 5,
  };

  it('HTML: a table with every cell and the query escaped, and the connection', () => {
    const html = resultsAsHtml(shared);
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('Tom &amp; &quot;Jerry&quot;'));
    assert.ok(html.includes('x == &quot;&lt;b&gt;&quot;'));
    assert.match(html, /<th[^>]*>Name<\/th><th[^>]*>Note\|pipe<\/th>/);
    assert.match(html, /Cluster: https:\/\/help\.kusto\.windows\.net · Database: Samples · First 2 of 5 rows\./);
    assert.equal((html.match(/<tr>/g) ?? []).length, 3);
  });

  it('Markdown: the query fenced (a fence it cannot close), a table whose cells cannot break rows', () => {
    const text = resultsAsMarkdown(shared);
    assert.ok(text.startsWith('````kql\nT | where x == "<b>" // ```\n````\n'));
    assert.ok(text.includes('| Name | Note\\|pipe |'));
    assert.ok(text.includes('| <script>alert(1)</script> | a\\|b<br>c |'));
    assert.ok(text.includes('|  | Tom & "Jerry" |'));
    assert.equal(markdownCell('a\\|'), 'a\\\\\\|');
    assert.equal(escapeHtml(`'`), '&#39;');
  });
});

function responseWith(extra: Partial<KustoResponse>, rows = 3): KustoResponse {
  const table = { id: 0, name: 'PrimaryResult', kind: 'PrimaryResult' as const, columns: [{ name: 'n', type: 'long' as const }], rows: rowsOf(Array.from({ length: rows }, (_, i) => [i])) };
  return { endpoint: 'query', clientRequestId: 'x', primaryResults: [table], allTables: [table], partialErrors: [], elapsedMs: 1, ...extra };
}

describe('truncation', () => {
  it('is told from Kusto\'s LimitsExceeded partial error (E_QUERY_RESULT_SET_TOO_LARGE)', () => {
    const response = responseWith({
      partialErrors: [{ code: 'LimitsExceeded', message: 'Query execution has exceeded the allowed limits (80DA0003): The results of this query exceed the set limit of 3 records (E_QUERY_RESULT_SET_TOO_LARGE, 0x80DA0003).' }],
    });
    assert.match(detectTruncation(response)?.reason ?? '', /exceed the set limit of 3 records/);
  });

  it('is told from a QueryCompletionInformation row', () => {
    const info = {
      id: 2,
      name: 'QueryCompletionInformation',
      kind: 'QueryCompletionInformation' as const,
      columns: [{ name: 'StatusCodeName', type: 'string' as const }, { name: 'Payload', type: 'string' as const }],
      rows: rowsOf([['E_QUERY_RESULT_SET_TOO_LARGE (0x80DA0003)', JSON.stringify({ Text: 'Query result set has exceeded the internal data size limit 67108864' })]]),
    };
    const response = responseWith({});
    assert.match(detectTruncation({ ...response, allTables: [...response.allTables, info] })?.reason ?? '', /internal data size limit/);
  });

  it('a result with exactly the row limit is taken as cut; fewer rows are not', () => {
    assert.match(detectTruncation(responseWith({}, 3), 3)?.reason ?? '', /exactly 3 rows/);
    assert.equal(detectTruncation(responseWith({}, 2), 3), undefined);
  });

  it('runs again with set notruncation; once', () => {
    assert.equal(withoutTruncation('T | take 5'), 'set notruncation;\nT | take 5');
    assert.equal(withoutTruncation('set notruncation;\nT'), 'set notruncation;\nT');
  });
});

describe('results controller: workflow actions', () => {
  const run: RunInfo = { runId: 'r1', clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', queryText: 'T | take 3', startedAt: 1 };

  function setup(rowLimit?: number) {
    const posted: ExtensionToPageMessage[] = [];
    const clipboard: string[] = [];
    const reruns: string[] = [];
    const controller = new ResultsController({
      post: (m) => posted.push(m),
      writeClipboard: async (t) => void clipboard.push(t),
      chooseExportFile: async () => undefined,
      revealPosition: () => undefined,
      resultRowLimit: () => rowLimit,
      runAgain: (_run, text) => reruns.push(text),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    return { controller, posted, clipboard, reruns };
  }

  it('copies a link of the shown run that decodes back to its query', async () => {
    const { controller, clipboard } = setup();
    controller.showResults(run, responseWith({}));
    await controller.handleMessage({ type: 'copyLink', runId: 'r1' });
    assert.equal(parseWebExplorerLink(clipboard[0]).query, 'T | take 3');
  });

  it('sends the page the query and rows as shown (sorted) as HTML and Markdown', async () => {
    const { controller, posted } = setup();
    controller.showResults(run, responseWith({}));
    await controller.handleMessage({ type: 'copyQueryAndResults', runId: 'r1', view: { tableIndex: 0, sort: { columnIndex: 0, direction: 'desc' } } });
    const content = posted.find((m) => m.type === 'clipboardContent');
    assert.ok(content && content.type === 'clipboardContent');
    assert.equal(content.rows, 3);
    assert.ok(content.text.includes('| n |\n| --- |\n| 2 |\n| 1 |\n| 0 |'));
    assert.ok(content.html.includes('<td style="border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top">2</td>'));
  });

  it('tells the page a result hit the row limit, and runs again without truncation on request', async () => {
    const { controller, posted, reruns } = setup(3);
    controller.showResults(run, responseWith({}, 3));
    const meta = posted.find((m) => m.type === 'resultsMeta');
    assert.ok(meta && meta.type === 'resultsMeta' && meta.truncation);
    await controller.handleMessage({ type: 'runWithoutTruncation', runId: 'r1' });
    assert.deepEqual(reruns, ['set notruncation;\nT | take 3']);
  });
});
