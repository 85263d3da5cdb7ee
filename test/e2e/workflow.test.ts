// End to end, the daily workflow: run queries, find them in the Query History view and quick pick, run one again,
// show a kept result again without a request reaching the server (the local server's request log proves it), copy
// a web link to a query, pin a results tab, run a parameterized query. Same setup as kustoExplorer.test.ts: the
// packaged .vsix in code-server, driven in Chromium, against the local sign-in and Kusto servers.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, listLogFiles, locateTools, readLogFiles, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';
import { parseWebExplorerLink } from '../../src/core/share/deepLink';

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

const CLUSTER_NAME = 'local';
const DATABASE = 'Samples';

const QUERY_TAKE = 'StormEvents | take 3 | project State, EventType';
const QUERY_TOP = 'StormEvents | summarize Events = count() by State | top 4 by Events';
const QUERY_ERROR = 'StormEvents | take 5 | project NoSuchColumn';
const QUERY_PARAMETERS = 'declare query_parameters(state:string = "TEXAS", n:long = 3);\nStormEvents | where State == state | take n | project State, EventType';

describe('The daily workflow in a real VS Code: history, recalled results, links, parameters', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-workflow', runId);
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let anyFailure = false;
  let serverLogPath = '';

  /** Query requests the local Kusto server received (metadata and management requests left out). */
  const queryRequests = () => stack!.kusto.requests.filter((r) => r.path === '/v2/rest/query' || r.path === '/v1/rest/query');

  before(async function () {
    this.timeout(240_000);
    const vsixPath = process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix');
    const tools = locateTools(repoRoot);
    console.log(`      screenshots: ${screenshotDir}`);
    mkdirSync(screenshotDir, { recursive: true });
    serverLogPath = join(screenshotDir, 'local-servers.log');
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLogPath, `${line}\n`) });
    codeServer = await startCodeServer({
      vsixPath,
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: CLUSTER_NAME, defaultDatabase: DATABASE }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
    });
    browser = await launchChromium(tools.chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
    // The extension host's clipboard in code-server is the browser's: let the page read what was copied.
    // Webviews have an origin of their own: grant the clipboard to every origin of this browser context.
    await workbench.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      anyFailure = true;
      const shot = await workbench?.screenshot(`FAILED ${this.currentTest.title}`).catch(() => undefined);
      console.log(`      failure screenshot: ${shot ?? '(none)'}`);
      console.log(`      notifications: ${JSON.stringify(await workbench?.notificationTexts().catch(() => []))}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (codeServer && anyFailure) {
      console.log(`      local servers log: ${serverLogPath}`);
      console.log(`      VS Code logs:\n${listLogFiles(codeServer.logsDir).map((file) => `        ${file}`).join('\n')}`);
      console.log(`      "Kusto" output channel:\n${readLogFiles(codeServer.logsDir, 'Kusto')}`);
    }
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer && !anyFailure) rmSync(codeServer.workDir, { recursive: true, force: true });
    console.log(`      screenshots: ${screenshotDir}`);
  });

  it('signs in (device code approved on the local sign-in page)', async () => {
    await workbench.openViewContainer('Kusto');
    await signInWithDeviceCode(workbench, stack!);
  });

  it('runs three queries and finds each in the Query History view with its outcome, and in the quick pick', async () => {
    await workbench.openFile('queries.kql');
    await runInEditor(QUERY_TAKE);
    await waitForResults(/\b3\s+rows\b/i);
    await runInEditor(QUERY_TOP);
    await waitForResults(/\b4\s+rows\b/i);
    await runInEditor(QUERY_ERROR);
    await workbench.waitForWebview(/NoSuchColumn/, 60_000);

    await workbench.openViewContainer('Kusto');
    await workbench.expandView('Query History');
    const errorRow = await workbench.waitForTreeRow('Query History', /project NoSuchColumn/, { timeoutMs: 30_000 });
    const topRow = await workbench.waitForTreeRow('Query History', /top 4 by Events/);
    const takeRow = await workbench.waitForTreeRow('Query History', /take 3 \| project State/);
    assert.match((await errorRow.getAttribute('aria-label')) ?? '', /error SEM0100/);
    assert.match((await topRow.getAttribute('aria-label')) ?? '', /ok · 4 rows/);
    assert.match((await takeRow.getAttribute('aria-label')) ?? '', new RegExp(`${escapeRegExp(new URL(stack!.kusto.url).host)}/Samples .*ok · 3 rows`));
    // Newest first.
    const labels = (await workbench.treeRows('Query History')).map((row) => row.label);
    assert.ok(labels.findIndex((l) => /NoSuchColumn/.test(l)) < labels.findIndex((l) => /take 3/.test(l)), JSON.stringify(labels));
    await workbench.screenshot('query history view with three runs');

    await workbench.runCommand('Kusto: Show Query History');
    await workbench.waitForQuickInputOpen();
    await workbench.page.keyboard.insertText('summarize');
    await waitFor(async () => (await workbench.page.locator('.quick-input-widget .monaco-list-row').count()) === 1, 15_000, 'the search to leave one run');
    assert.match(await workbench.quickPickRow(/top 4 by Events/).innerText(), /ok · 4 rows/);
    await workbench.screenshot('query history quick pick searched');
    await workbench.dismissQuickInput();
  });

  it('runs a query again from the history (a new request)', async () => {
    const before = queryRequests().length;
    const row = await workbench.waitForTreeRow('Query History', /take 3 \| project State/);
    await workbench.clickInlineAction(row, 'Run Again');
    await waitForResults(/\b3\s+rows\b/i);
    await waitFor(async () => queryRequests().length === before + 1, 15_000, 'the run to reach the server');
    assert.equal(queryRequests().at(-1)?.csl, QUERY_TAKE);
    await waitFor(async () => (await workbench.treeRows('Query History')).filter((r) => /take 3 \| project State/.test(r.label)).length === 2, 15_000, 'the re-run to show in history');
    await workbench.screenshot('ran again from history');
  });

  it('shows a kept result again without any request reaching the server', async () => {
    const before = stack!.kusto.requests.length;
    const row = await workbench.waitForTreeRow('Query History', /top 4 by Events/);
    await workbench.clickInlineAction(row, 'Show Result Again');
    const grid = await workbench.waitForWebview(/Recalled from query history/, 30_000);
    assert.match(await bodyText(grid), /\b4\s+rows\b/i);
    assert.match(await bodyText(grid), /Events/);
    // Give a request every chance to show up: none may.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(stack!.kusto.requests.length, before, 'the local Kusto server received a request for a recalled result');
    await workbench.screenshot('recalled result without a request');
  });

  it('copies a web explorer link that decodes back to the query', async () => {
    const grid = await workbench.waitForWebview(/Recalled from query history/, 10_000);
    await grid.locator('vscode-button', { hasText: 'Copy Link' }).click();
    let link = '';
    await waitFor(
      async () => {
        link = await workbench.page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()).catch(() => '');
        return link.startsWith('https://dataexplorer.azure.com/');
      },
      15_000,
      'a web explorer link on the clipboard',
    );
    const parsed = parseWebExplorerLink(link);
    assert.equal(parsed.cluster, new URL(stack!.kusto.url).host);
    assert.equal(parsed.database, DATABASE);
    assert.equal(parsed.query, QUERY_TOP);
    assert.match(link, /\?query=H4sI/, 'the query is base64 of gzip');
    await workbench.screenshot('copied link notice');
  });

  it('copies the query and the shown rows as an HTML table and as Markdown', async () => {
    const grid = await workbench.waitForWebview(/Recalled from query history/, 10_000);
    await grid.locator('vscode-button', { hasText: 'Copy Query and Results' }).click();
    await waitFor(async () => /Copied the query and 4 rows/.test(await bodyText(grid)), 15_000, 'the page to say what it copied');
    const copied = await workbench.page.evaluate(async () => {
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
    await workbench.screenshot('copied query and results');
  });

  it('a pinned results tab stays; the next run opens a new tab', async () => {
    await workbench.runCommand('Kusto: Pin Results Tab (next run opens a new tab)');
    await workbench.page.locator('.tabs-container .tab', { hasText: /Pinned: StormEvents/ }).first().waitFor({ timeout: 15_000 });
    await workbench.openFile('queries.kql');
    await runInEditor(QUERY_TAKE);
    await waitFor(
      async () => (await workbench.page.locator('.tabs-container .tab', { hasText: /Kusto Results \(3 rows\)/ }).count()) === 1,
      60_000,
      'a new results tab next to the pinned one',
    );
    assert.equal(await workbench.page.locator('.tabs-container .tab', { hasText: /Pinned: StormEvents/ }).count(), 1);
    await workbench.screenshot('pinned tab and a new results tab');
  });

  it('runs a parameterized query: asks for the values and sends them as request parameters, not in the text', async () => {
    await workbench.openFile('queries.kql');
    await runInEditor(QUERY_PARAMETERS);
    await workbench.waitForQuickInputOpen();
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    assert.equal(await input.inputValue(), 'TEXAS', 'the declared default is offered');
    assert.match(await workbench.page.locator('.quick-input-widget').innerText(), /state \(string\)/);
    await input.fill('FLORIDA');
    await workbench.screenshot('parameter input');
    await workbench.page.keyboard.press('Enter');
    await waitFor(async () => (await input.inputValue()) === '3', 15_000, 'the second parameter with its default');
    await input.fill('2');
    await workbench.page.keyboard.press('Enter');
    const grid = await waitForResults(/\b2\s+rows\b/i);
    await waitFor(async () => /FLORIDA/.test(await bodyText(grid)), 15_000, 'the rows of FLORIDA to show');
    assert.doesNotMatch(await bodyText(grid), /TEXAS/);
    const request = queryRequests().at(-1);
    assert.equal(request?.csl, QUERY_PARAMETERS, 'the query text went as written');
    assert.deepEqual(request?.parameters, { state: 'FLORIDA', n: 2 });
    await workbench.screenshot('parameterized query results');
  });

  it('says when a result was cut at the row limit and runs it again without truncation in one click', async () => {
    await workbench.openFile('queries.kql');
    await runInEditor('set truncationmaxrecords = 5;\nStormEvents | take 20 | project State');
    const grid = await workbench.waitForWebview(/The result is incomplete/, 60_000);
    assert.match(await bodyText(grid), /E_QUERY_RESULT_SET_TOO_LARGE|exceed the set limit of 5 records/);
    await workbench.screenshot('truncated result banner');
    await grid.locator('vscode-button', { hasText: 'Run Again Without Truncation' }).click();
    const dialog = workbench.page.locator('.monaco-dialog-box', { hasText: /may be very large/ }).first();
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Run Without Truncation' }).click();
    await waitForResults(/\b20\s+rows\b/i);
    assert.match(queryRequests().at(-1)?.csl ?? '', /^set notruncation;\nset truncationmaxrecords = 5;/);
    await workbench.screenshot('ran again without truncation');
  });

  it('adds a cluster from a Kusto connection string (and refuses a malformed one, naming the bad part)', async () => {
    await workbench.runCommand('Kusto: Add Cluster from Connection String');
    await workbench.waitForQuickInputOpen();
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('Data Source=https://mycluster.westeurope.kusto.windows.net;Colour=blue');
    await waitFor(async () => /Unknown property "Colour"/.test(await workbench.page.locator('.quick-input-widget').innerText()), 15_000, 'the input to name the bad property');
    await workbench.screenshot('connection string error names the bad part');
    await input.fill('Server=https://mycluster.westeurope.kusto.windows.net;Database=Telemetry;Fed=true;Authority Id=contoso.com');
    await workbench.page.keyboard.press('Enter');
    await workbench.waitForNotification(/Added mycluster \(https:\/\/mycluster\.westeurope\.kusto\.windows\.net, database Telemetry\)/, 30_000);
    await workbench.openViewContainer('Kusto');
    await workbench.waitForTreeRow('Explorer', /^mycluster$/, { level: 1, timeoutMs: 30_000 });
    await workbench.screenshot('cluster added from a connection string');
  });

  async function runInEditor(text: string): Promise<void> {
    await workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await workbench.replaceEditorText(text);
    await workbench.page.keyboard.press('Shift+Enter');
  }

  async function waitForResults(pattern: RegExp): Promise<Frame> {
    return workbench.waitForWebview(pattern, 60_000);
  }
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function bodyText(frame: Frame): Promise<string> {
  return frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
}
