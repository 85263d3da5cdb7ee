// End to end: a large result shows its first rows while the rest still streams in, in a real VS Code
// (code-server), the packaged .vsix, the local sign-in and Kusto servers (the Kusto server trickles the body:
// slowBody fault). The panel opens with the rows received so far and a live count, then settles in place to the
// whole result; a second run is cancelled half way and keeps the rows it showed. Screenshots in the folder printed.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, locateTools, readLogFiles, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';

const USER_UPN = 'alice@contoso.com';
const CLUSTER_NAME = 'local';
const DATABASE = 'Samples';

describe('Large results stream into the results panel in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-streaming', new Date().toISOString().replace(/[:.]/g, '-'));
  let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let anyFailure = false;

  before(async function () {
    this.timeout(240_000);
    console.log(`      screenshots: ${screenshotDir}`);
    mkdirSync(screenshotDir, { recursive: true });
    const serverLog = join(screenshotDir, 'local-servers.log');
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLog, `${line}\n`) });
    codeServer = await startCodeServer({
      vsixPath: process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix'),
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: CLUSTER_NAME, defaultDatabase: DATABASE }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
    });
    browser = await launchChromium(locateTools(repoRoot).chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      anyFailure = true;
      console.log(`      failure screenshot: ${await workbench?.screenshot(`FAILED ${this.currentTest.title}`).catch(() => '(none)')}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (anyFailure && codeServer) console.log(`      "Kusto" output channel:\n${readLogFiles(codeServer.logsDir, 'Kusto')}`);
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer && !anyFailure) rmSync(codeServer.workDir, { recursive: true, force: true });
    console.log(`      screenshots: ${screenshotDir}`);
  });

  it('signs in with a device code', async () => {
    await workbench.openViewContainer('Kusto');
    await workbench.runCommand('Kusto: Sign In');
    let message = '';
    await waitFor(
      async () => {
        const clusterPick = workbench.quickPickRow(new RegExp(escapeRegExp(new URL(stack!.kusto.url).host)));
        if (await clusterPick.isVisible().catch(() => false)) await clusterPick.click();
        const dialog = workbench.page.locator('.monaco-dialog-box').first();
        message = (await dialog.isVisible().catch(() => false)) ? await dialog.innerText().catch(() => '') : '';
        return /code\s+[A-Z0-9]{3,}/i.test(message);
      },
      60_000,
      'a dialog showing the device code',
    );
    const userCode = /code\s+([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})?)/i.exec(message)?.[1] ?? '';
    await workbench.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Copy code & open browser' }).click();
    const linkDialog = workbench.page.locator('.monaco-dialog-box', { hasText: /external website/i }).first();
    if (await linkDialog.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
      await linkDialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    }
    const loginPage = await workbench.page.context().newPage();
    await loginPage.goto(`${stack!.signIn.origin}/devicelogin`);
    await loginPage.locator('#user_code').fill(userCode);
    await loginPage.locator(`input[name="user"][value="${USER_UPN}"]`).check();
    await loginPage.locator('button[value="approve"]').click();
    await loginPage.getByText(/signed in/i).first().waitFor({ timeout: 15_000 });
    await loginPage.close();
    await workbench.waitForStatusBar(/alice/i, 60_000);
  });

  const QUERY = 'StormEventsLarge | take 20000';

  /** The results page's toolbar count and the first grid row's cells, or undefined while no results page shows. */
  async function readPanel(): Promise<{ frame: Frame; count: string; firstRow: string; header: string } | undefined> {
    for (const frame of workbench.webviewContentFrames()) {
      const count = await frame.locator('.row-count').first().innerText({ timeout: 500 }).catch(() => '');
      if (!count) continue;
      const firstRow = await frame.locator('.grid-row').first().innerText({ timeout: 500 }).catch(() => '');
      const header = await frame.locator('.results-header').first().innerText({ timeout: 500 }).catch(() => '');
      return { frame, count, firstRow, header };
    }
    return undefined;
  }

  const countOf = (text: string): number => Number(/([\d,]+) rows/.exec(text)?.[1].replace(/,/g, '') ?? NaN);

  async function startSlowRun(): Promise<void> {
    stack!.kusto.injectFault({ kind: 'slowBody', pauseMs: 100, match: 'StormEventsLarge' });
    await workbench.openFile('queries.kql');
    await workbench.replaceEditorText(QUERY);
    await workbench.page.keyboard.press('Shift+Enter');
  }

  /** Waits until the panel shows rows while it still receives, and returns what it showed. */
  async function waitForStreamingRows(): Promise<{ frame: Frame; count: number; firstRow: string }> {
    let seen: { frame: Frame; count: string; firstRow: string } | undefined;
    await waitFor(
      async () => {
        seen = await readPanel();
        return seen !== undefined && /rows so far · receiving/.test(seen.count) && seen.firstRow.trim().length > 0;
      },
      90_000,
      'the results panel to show rows while they still arrive',
    );
    return { frame: seen!.frame, count: countOf(seen!.count), firstRow: seen!.firstRow };
  }

  it('shows the first rows and a live count before the result is complete, then settles in place', async () => {
    const startedAt = Date.now();
    await startSlowRun();
    const first = await waitForStreamingRows();
    const firstRowsAfterMs = Date.now() - startedAt;
    await workbench.closeSuggestions();
    await workbench.page.mouse.move(1, 1);
    console.log(`      screenshot: ${await workbench.screenshot('first rows while streaming')}`);
    assert.ok(first.count > 0 && first.count < 20000, `a part of the rows (${first.count})`);
    assert.ok(/StartTime/.test((await readPanel())!.header + (await first.frame.locator('.grid-header').innerText())), 'the columns are shown');
    assert.ok(await first.frame.locator('.toolbar vscode-text-field[disabled]').count() === 1, 'filter waits for the whole result');

    // The count grows while the rest arrives.
    let later = first.count;
    await waitFor(
      async () => {
        const panel = await readPanel();
        later = panel && /receiving/.test(panel.count) ? countOf(panel.count) : later;
        return later > first.count;
      },
      60_000,
      'the live row count to grow',
    );
    console.log(`      screenshot: ${await workbench.screenshot('live count grows')}`);

    let settled: { count: string; firstRow: string } | undefined;
    await waitFor(
      async () => {
        settled = await readPanel();
        return settled !== undefined && /^20,000 rows$/.test(settled.count.trim());
      },
      120_000,
      'the result to settle at 20,000 rows',
    );
    const lastRowAfterMs = Date.now() - startedAt;
    console.log(`      first rows after ${firstRowsAfterMs} ms, all 20,000 rows after ${lastRowAfterMs} ms (${first.count} rows first, then ${later})`);
    assert.equal(settled!.firstRow, first.firstRow, 'the first row shown while streaming is the first row of the result');
    assert.ok(firstRowsAfterMs < lastRowAfterMs / 2, 'the first rows came well before the last');
    const frame = first.frame;
    assert.equal(await frame.locator('.toolbar vscode-text-field[disabled]').count(), 0, 'filter available once complete');
    assert.ok(/Rows\s*20,000/.test(await frame.locator('.results-header').innerText()), 'the header counts the whole result');
    console.log(`      screenshot: ${await workbench.screenshot('settled result')}`);
  });

  it('a cancel half way keeps the rows already shown', async () => {
    await startSlowRun();
    const streaming = await waitForStreamingRows();
    await streaming.frame.locator('.toolbar .cancel-button').click();
    let kept: { count: string; firstRow: string; header: string } | undefined;
    await waitFor(
      async () => {
        kept = await readPanel();
        const text = kept ? await streaming.frame.locator('body').innerText({ timeout: 500 }).catch(() => '') : '';
        return kept !== undefined && !/receiving/.test(kept.count) && /cancelled/i.test(text) && kept.firstRow.trim().length > 0;
      },
      60_000,
      'the rows to stay with a note that the query was cancelled',
    );
    const keptCount = countOf(kept!.count);
    assert.ok(keptCount >= streaming.count && keptCount < 20000, `rows kept (${keptCount})`);
    assert.equal(kept!.firstRow, streaming.firstRow);
    await workbench.page.mouse.move(1, 1);
    console.log(`      screenshot: ${await workbench.screenshot('cancelled half way, rows kept')}`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
