// End to end, the daily workflow: run queries, find them in the Query History view and quick pick, run one again,
// show a kept result again without a request reaching the server (the local server's request log proves it), copy
// a web link to a query, pin a results tab, run a parameterized query. Same setup as kustoExplorer.test.ts: the
// packaged .vsix in code-server, driven in Chromium, against the local sign-in and Kusto servers.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { LOCAL_DATABASE, useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { bodyText, escapeRegExp } from '../../scripts/e2e/querySteps';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { waitFor } from '../../scripts/e2e/workbench';
import { parseWebExplorerLink } from '../../src/core/share/deepLink';

const QUERY_TAKE = 'StormEvents | take 3 | project State, EventType';
const QUERY_TOP = 'StormEvents | summarize Events = count() by State | top 4 by Events';
const QUERY_ERROR = 'StormEvents | take 5 | project NoSuchColumn';
const QUERY_PARAMETERS = 'declare query_parameters(state:string = "TEXAS", n:long = 3);\nStormEvents | where State == state | take n | project State, EventType';

describe('The daily workflow in a real VS Code: history, recalled results, links, parameters', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({
    screenshotFolder: 'e2e-workflow',
    workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
    // The extension host's clipboard in code-server is the browser's: let the page read what was copied.
    // Webviews have an origin of their own: grant the clipboard to every origin of this browser context.
    prepare: ({ workbench }) => workbench.page.context().grantPermissions(['clipboard-read', 'clipboard-write']),
  });

  /** Query requests the local Kusto server received (metadata and management requests left out). */
  const queryRequests = () => session.stack.kusto.requests.filter((r) => r.path === '/v2/rest/query' || r.path === '/v1/rest/query');

  it('signs in (device code approved on the local sign-in page)', async () => {
    await session.workbench.openViewContainer('Kusto');
    await signInWithDeviceCode(session.workbench, session.stack);
  });

  it('runs three queries and finds each in the Query History view with its outcome, and in the quick pick', async () => {
    await session.workbench.openFile('queries.kql');
    await runInEditor(QUERY_TAKE);
    await waitForResults(/\b3\s+rows\b/i);
    await runInEditor(QUERY_TOP);
    await waitForResults(/\b4\s+rows\b/i);
    await runInEditor(QUERY_ERROR);
    await session.workbench.waitForWebview(/NoSuchColumn/, 60_000);

    await session.workbench.openViewContainer('Kusto');
    await session.workbench.expandView('Query History');
    const errorRow = await session.workbench.waitForTreeRow('Query History', /project NoSuchColumn/, { timeoutMs: 30_000 });
    const topRow = await session.workbench.waitForTreeRow('Query History', /top 4 by Events/);
    const takeRow = await session.workbench.waitForTreeRow('Query History', /take 3 \| project State/);
    assert.match((await errorRow.getAttribute('aria-label')) ?? '', /error SEM0100/);
    assert.match((await topRow.getAttribute('aria-label')) ?? '', /ok · 4 rows/);
    assert.match((await takeRow.getAttribute('aria-label')) ?? '', new RegExp(`${escapeRegExp(new URL(session.stack.kusto.url).host)}/Samples .*ok · 3 rows`));
    // Newest first.
    const labels = (await session.workbench.treeRows('Query History')).map((row) => row.label);
    assert.ok(labels.findIndex((l) => /NoSuchColumn/.test(l)) < labels.findIndex((l) => /take 3/.test(l)), JSON.stringify(labels));
    await session.workbench.screenshot('query history view with three runs');

    await session.workbench.runCommand('Kusto: Show Query History');
    await session.workbench.waitForQuickInputOpen();
    await session.workbench.page.keyboard.insertText('summarize');
    await waitFor(async () => (await session.workbench.page.locator('.quick-input-widget .monaco-list-row').count()) === 1, 15_000, 'the search to leave one run');
    assert.match(await session.workbench.quickPickRow(/top 4 by Events/).innerText(), /ok · 4 rows/);
    await session.workbench.screenshot('query history quick pick searched');
    await session.workbench.dismissQuickInput();
  });

  it('runs a query again from the history (a new request)', async () => {
    const before = queryRequests().length;
    const row = await session.workbench.waitForTreeRow('Query History', /take 3 \| project State/);
    await session.workbench.clickInlineAction(row, 'Run Again');
    await waitForResults(/\b3\s+rows\b/i);
    await waitFor(async () => queryRequests().length === before + 1, 15_000, 'the run to reach the server');
    assert.equal(queryRequests().at(-1)?.csl, QUERY_TAKE);
    await waitFor(async () => (await session.workbench.treeRows('Query History')).filter((r) => /take 3 \| project State/.test(r.label)).length === 2, 15_000, 'the re-run to show in history');
    await session.workbench.screenshot('ran again from history');
  });

  it('shows a kept result again without any request reaching the server', async () => {
    const before = session.stack.kusto.requests.length;
    const row = await session.workbench.waitForTreeRow('Query History', /top 4 by Events/);
    await session.workbench.clickInlineAction(row, 'Show Result Again');
    const grid = await session.workbench.waitForWebview(/Recalled from query history/, 30_000);
    assert.match(await bodyText(grid), /\b4\s+rows\b/i);
    assert.match(await bodyText(grid), /Events/);
    // Give a request every chance to show up: none may.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(session.stack.kusto.requests.length, before, 'the local Kusto server received a request for a recalled result');
    await session.workbench.screenshot('recalled result without a request');
  });

  it('copies a web explorer link that decodes back to the query', async () => {
    const grid = await session.workbench.waitForWebview(/Recalled from query history/, 10_000);
    await grid.locator('vscode-button', { hasText: 'Copy Link' }).click();
    let link = '';
    await waitFor(
      async () => {
        link = await session.workbench.page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()).catch(() => '');
        return link.startsWith('https://dataexplorer.azure.com/');
      },
      15_000,
      'a web explorer link on the clipboard',
    );
    const parsed = parseWebExplorerLink(link);
    assert.equal(parsed.cluster, new URL(session.stack.kusto.url).host);
    assert.equal(parsed.database, LOCAL_DATABASE);
    assert.equal(parsed.query, QUERY_TOP);
    assert.match(link, /\?query=H4sI/, 'the query is base64 of gzip');
    await session.workbench.screenshot('copied link notice');
  });

  it('copies the query and the shown rows as an HTML table and as Markdown', async () => {
    const grid = await session.workbench.waitForWebview(/Recalled from query history/, 10_000);
    await grid.locator('vscode-button', { hasText: 'Copy Query and Results' }).click();
    await waitFor(async () => /Copied the query and 4 rows/.test(await bodyText(grid)), 15_000, 'the page to say what it copied');
    const copied = await session.workbench.page.evaluate(async () => {
      const clipboard = (globalThis as unknown as { navigator: { clipboard: { read(): Promise<Array<{ types: string[]; getType(t: string): Promise<{ text(): Promise<string> }> }>> } } }).navigator.clipboard;
      const [item] = await clipboard.read();
      const html = item.types.includes('text/html') ? await (await item.getType('text/html')).text() : '';
      const text = item.types.includes('text/plain') ? await (await item.getType('text/plain')).text() : '';
      return { html, text };
    });
    assert.match(copied.text, /```kql\nStormEvents \| summarize Events = count\(\) by State \| top 4 by Events\n```/);
    assert.match(copied.text, /\| State \| Events \|\n\| --- \| --- \|\n\| TEXAS \| 6,?321 \|/);
    assert.match(copied.html, /<table[^>]*>.*<th[^>]*>State<\/th>/s, 'the clipboard has an HTML table');
    assert.equal((copied.html.match(/<tr>/g) ?? []).length, 5);
    await session.workbench.screenshot('copied query and results');
  });

  it('a pinned results tab stays; the next run opens a new tab', async () => {
    await session.workbench.runCommand('Kusto: Pin Results Tab (next run opens a new tab)');
    await session.workbench.page.locator('.tabs-container .tab', { hasText: /Pinned: StormEvents/ }).first().waitFor({ timeout: 15_000 });
    await session.workbench.openFile('queries.kql');
    await runInEditor(QUERY_TAKE);
    await waitFor(
      async () => (await session.workbench.page.locator('.tabs-container .tab', { hasText: /Kusto Results \(3 rows\)/ }).count()) === 1,
      60_000,
      'a new results tab next to the pinned one',
    );
    assert.equal(await session.workbench.page.locator('.tabs-container .tab', { hasText: /Pinned: StormEvents/ }).count(), 1);
    await session.workbench.screenshot('pinned tab and a new results tab');
  });

  it('runs a parameterized query: asks for the values and sends them as request parameters, not in the text', async () => {
    await session.workbench.openFile('queries.kql');
    await runInEditor(QUERY_PARAMETERS);
    await session.workbench.waitForQuickInputOpen();
    const input = session.workbench.page.locator('.quick-input-widget .quick-input-box input');
    assert.equal(await input.inputValue(), 'TEXAS', 'the declared default is offered');
    assert.match(await session.workbench.page.locator('.quick-input-widget').innerText(), /state \(string\)/);
    await input.fill('FLORIDA');
    await session.workbench.screenshot('parameter input');
    await session.workbench.page.keyboard.press('Enter');
    await waitFor(async () => (await input.inputValue()) === '3', 15_000, 'the second parameter with its default');
    await input.fill('2');
    await session.workbench.page.keyboard.press('Enter');
    const grid = await waitForResults(/\b2\s+rows\b/i);
    await waitFor(async () => /FLORIDA/.test(await bodyText(grid)), 15_000, 'the rows of FLORIDA to show');
    assert.doesNotMatch(await bodyText(grid), /TEXAS/);
    const request = queryRequests().at(-1);
    assert.equal(request?.csl, QUERY_PARAMETERS, 'the query text went as written');
    assert.deepEqual(request?.parameters, { state: 'FLORIDA', n: 2 });
    await session.workbench.screenshot('parameterized query results');
  });

  it('says when a result was cut at the row limit and runs it again without truncation in one click', async () => {
    await session.workbench.openFile('queries.kql');
    await runInEditor('set truncationmaxrecords = 5;\nStormEvents | take 20 | project State');
    const grid = await session.workbench.waitForWebview(/The result is incomplete/, 60_000);
    assert.match(await bodyText(grid), /E_QUERY_RESULT_SET_TOO_LARGE|exceed the set limit of 5 records/);
    await session.workbench.screenshot('truncated result banner');
    await grid.locator('vscode-button', { hasText: 'Run Again Without Truncation' }).click();
    const dialog = session.workbench.page.locator('.monaco-dialog-box', { hasText: /may be very large/ }).first();
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Run Without Truncation' }).click();
    await waitForResults(/\b20\s+rows\b/i);
    assert.match(queryRequests().at(-1)?.csl ?? '', /^set notruncation;\nset truncationmaxrecords = 5;/);
    await session.workbench.screenshot('ran again without truncation');
  });

  it('adds a cluster from a Kusto connection string (and refuses a malformed one, naming the bad part)', async () => {
    await session.workbench.runCommand('Kusto: Add Cluster from Connection String');
    await session.workbench.waitForQuickInputOpen();
    const input = session.workbench.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('Data Source=https://mycluster.westeurope.kusto.windows.net;Colour=blue');
    await waitFor(async () => /Unknown property "Colour"/.test(await session.workbench.page.locator('.quick-input-widget').innerText()), 15_000, 'the input to name the bad property');
    await session.workbench.screenshot('connection string error names the bad part');
    await input.fill('Server=https://mycluster.westeurope.kusto.windows.net;Database=Telemetry;Fed=true;Authority Id=contoso.com');
    await session.workbench.page.keyboard.press('Enter');
    await session.workbench.waitForNotification(/Added mycluster \(https:\/\/mycluster\.westeurope\.kusto\.windows\.net, database Telemetry\)/, 30_000);
    await session.workbench.openViewContainer('Kusto');
    await session.workbench.waitForTreeRow('Explorer', /^mycluster$/, { level: 1, timeoutMs: 30_000 });
    await session.workbench.screenshot('cluster added from a connection string');
  });

  async function runInEditor(text: string): Promise<void> {
    await session.workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await session.workbench.replaceEditorText(text);
    await session.workbench.page.keyboard.press('Shift+Enter');
  }

  async function waitForResults(pattern: RegExp): Promise<Frame> {
    return session.workbench.waitForWebview(pattern, 60_000);
  }
});
