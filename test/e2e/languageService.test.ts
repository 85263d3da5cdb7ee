// End to end, the KQL editor's language features as a person uses them: the packaged .vsix in code-server, signed
// in to the local Kusto server, typing in a .kql editor. Completion offers the table's columns, a misspelled column
// is underlined before anything runs, a column hovers with its type, Format Document reflows a block, and switching
// the editor's database switches what completes. Screenshots are saved for each step.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import { COMPLETION_AS_YOU_TYPE_SETTINGS, findRepoRoot, kustoSettingsFor, listLogFiles, locateTools, readLogFiles, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

const CLUSTER_NAME = 'local';
const FILE = 'language.kql';

describe('KQL language features in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-language', new Date().toISOString().replace(/[:.]/g, '-'));
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let anyFailure = false;

  before(async function () {
    this.timeout(300_000);
    const tools = locateTools(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    console.log(`      screenshots: ${screenshotDir}`);
    const serverLog = join(screenshotDir, 'local-servers.log');
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLog, `${line}\n`) });
    codeServer = await startCodeServer({
      vsixPath: process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix'),
      settings: {
        ...kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: CLUSTER_NAME, defaultDatabase: 'Samples' }),
        ...COMPLETION_AS_YOU_TYPE_SETTINGS,
      },
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { [FILE]: '// KQL language features\n' },
    });
    browser = await launchChromium(tools.chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
    // Opening a .kql file activates the extension (and starts the language worker) before anyone signs in.
    await workbench.openFile(FILE);
    await signInWithDeviceCode(workbench, stack);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      anyFailure = true;
      console.log(`      failure screenshot: ${await workbench?.screenshot(`FAILED ${this.currentTest.title}`).catch(() => '(none)')}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (codeServer && anyFailure) {
      console.log(`      VS Code logs:\n${listLogFiles(codeServer.logsDir).join('\n')}`);
      console.log(`      "Kusto" output channel:\n${readLogFiles(codeServer.logsDir, 'Kusto')}`);
    }
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer && !anyFailure) {
      rmSync(codeServer.workDir, { recursive: true, force: true });
    }
  });

  it("offers StormEvents' columns after `StormEvents | where `", async () => {
    await workbench.openFile(FILE);
    await workbench.replaceEditorText('StormEvents |');
    // Typed key by key: the space after `where` is what opens the list, as it does for a person.
    await workbench.page.keyboard.type(' where ', { delay: 40 });
    // The list shows the table's columns first (the service's ranking), then functions.
    const labels = await suggestionLabels(workbench, /BeginLat/, 60_000);
    for (const column of ['BeginLat', 'BeginLocation', 'DamageProperty']) {
      assert.ok(labels.some((label) => label.startsWith(column)), `${column} is offered: ${labels.join(', ')}`);
    }
    await workbench.screenshot('columns offered after where');
    // Typing narrows the list to the columns that match.
    await workbench.page.keyboard.type('Sta', { delay: 40 });
    const narrowed = await suggestionLabels(workbench, /^State/, 30_000);
    assert.ok(narrowed.some((label) => label.startsWith('StartTime')), `StartTime is offered: ${narrowed.join(', ')}`);
    await workbench.screenshot('columns narrowed by typing');
    await workbench.page.keyboard.press('Escape');
  });

  it('underlines a misspelled column before the query is run, with the service message on hover', async () => {
    await workbench.replaceEditorText('StormEvents\n| where Stat == "TEXAS"\n| take 10');
    const squiggle = workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').first();
    await squiggle.waitFor({ state: 'attached', timeout: 60_000 });
    await placeCaret(workbench, 1, 9);
    await workbench.runCommand('Show or Focus Hover');
    const hover = workbench.page.locator('.monaco-hover').filter({ hasText: /does not refer/ }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(normalized(await hover.innerText()), /The name 'Stat' does not refer to any known column/);
    await hoverSettled(workbench);
    await workbench.screenshot('misspelled column underlined');
    assert.equal(await workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').count(), 1, 'only the misspelled name is underlined');
  });

  it('hovers a column with its type and doc string', async () => {
    await workbench.page.keyboard.press('Escape');
    await workbench.replaceEditorText('StormEvents\n| where State == "TEXAS"\n| take 10');
    await waitFor(async () => (await workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').count()) === 0, 30_000, 'the squiggle to go');
    await placeCaret(workbench, 1, 10);
    await workbench.runCommand('Show or Focus Hover');
    const hover = workbench.page.locator('.monaco-hover').filter({ hasText: /State: string/ }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(normalized(await hover.innerText()), /The state the storm event occurred in/);
    await hoverSettled(workbench);
    await workbench.screenshot('column hover');
    await workbench.page.keyboard.press('Escape');
  });

  it('formats a block with Format Document', async () => {
    await workbench.replaceEditorText('StormEvents | where State == "TEXAS" | summarize Storms = count() by EventType | top 3 by Storms');
    await workbench.runCommand('Format Document');
    const text = await editorText(workbench, /\n\| summarize/);
    assert.match(text, /^StormEvents\n\| where State == "TEXAS"\n\| summarize Storms = count\(\) by EventType\n\| top 3 by Storms/);
    await workbench.screenshot('formatted block');
  });

  it("completes from the new database after switching the editor's connection", async () => {
    await workbench.replaceEditorText('');
    await workbench.page.keyboard.press('Control+Space');
    const before = await suggestionLabels(workbench, /StormEvents/, 30_000);
    assert.ok(!before.some((label) => label.startsWith('Products')), 'ContosoSales tables are not offered on Samples');
    await workbench.page.keyboard.press('Escape');

    await workbench.runCommand('Kusto: Choose Connection for Editor');
    await workbench.quickPickRow(new RegExp(escapeRegExp(new URL(stack!.kusto.url).host))).click();
    await workbench.quickPickRow(/^ContosoSales/).click();
    await workbench.waitForStatusBar(/ContosoSales/, 30_000);

    await workbench.page.locator('.editor-instance .monaco-editor').first().click();
    await workbench.page.keyboard.type('Products | where ', { delay: 40 });
    const after = await suggestionLabels(workbench, /ProductName/, 60_000);
    assert.ok(after.some((label) => label.startsWith('UnitPrice')), `Products' columns: ${after.join(', ')}`);
    await workbench.screenshot('completion after switching database');
    await workbench.page.keyboard.press('Escape');
    // and the query that was fine on ContosoSales is checked against it: StormEvents is not there
    await workbench.replaceEditorText('StormEvents | take 1');
    await workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 60_000 });
    await workbench.screenshot('StormEvents unknown on ContosoSales');
  });
});

/** The labels in the suggest widget once one matches `ready`. */
async function suggestionLabels(workbench: Workbench, ready: RegExp, timeoutMs: number): Promise<string[]> {
  let labels: string[] = [];
  await waitFor(
    async () => {
      labels = await workbench.page
        .locator('.editor-widget.suggest-widget.visible .monaco-list-row')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
      return labels.some((label) => ready.test(label));
    },
    timeoutMs,
    `a suggestion matching ${ready}`,
  );
  return labels;
}

async function editorText(workbench: Workbench, ready: RegExp): Promise<string> {
  let text = '';
  await waitFor(
    async () => {
      const raw = await workbench.page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
      text = normalized(raw);
      return ready.test(text);
    },
    30_000,
    `the editor to show ${ready}`,
  );
  return text;
}

/** The hover fades in (a CSS animation): a screenshot taken at once shows an empty box. */
async function hoverSettled(workbench: Workbench): Promise<void> {
  await waitFor(
    async () => (await workbench.page.locator('.monaco-hover').first().evaluate((element) => Number((globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(element).opacity))) >= 1,
    5_000,
    'the hover to finish fading in',
  );
  await workbench.page.waitForTimeout(200); // one more frame or two for the text to paint
}

/** Moves the caret to a 0-based line and character with the keyboard. */
async function placeCaret(workbench: Workbench, line: number, character: number): Promise<void> {
  const keyboard = workbench.page.keyboard;
  await keyboard.press('Control+Home');
  for (let i = 0; i < line; i++) {
    await keyboard.press('ArrowDown');
  }
  await keyboard.press('Home');
  for (let i = 0; i < character; i++) {
    await keyboard.press('ArrowRight');
  }
}

/** Text as the workbench renders it, with its no-break spaces made plain. */
function normalized(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
