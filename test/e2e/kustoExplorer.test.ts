// End to end, as a person uses it: the packaged .vsix installed in a real VS Code (code-server), driven in Chromium,
// against the local sign-in and Kusto servers. Scenarios run in order and share one window; each step saves a
// screenshot in the folder printed at the start (kept, with the code-server logs, when a step fails).
import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import {
  findRepoRoot,
  kustoSettingsFor,
  listLogFiles,
  locateTools,
  measureActivation,
  readLogFiles,
  startCodeServer,
  type RunningCodeServer,
} from '../../scripts/e2e/codeServer';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;
/** A query the local Kusto server holds for a long time (an injected delay matching this text). */
const SLOW_QUERY_MARKER = 'e2e-slow-query';

const USER_UPN = 'alice@contoso.com';
const USER_NAME = /alice/i;
const CLUSTER_NAME = 'local';
const DATABASE = 'Samples';
const TABLE = 'StormEvents';
const EXTENSION_ID = 'kusto-explorer-dev.kusto-explorer-vscode';

describe('Kusto Explorer in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const screenshotDir = join(repoRoot, 'test-results', 'e2e', runId);
  const metrics: Record<string, unknown> = {};
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let extensionBundle = '';
  let anyFailure = false;
  let serverLogPath = '';
  let signedIn = false;

  /** Later scenarios need the account: fail at once, naming the cause, instead of timing out one by one. */
  function requireSignedIn(): void {
    if (!signedIn) {
      throw new Error('This scenario needs the signed-in account, but the sign-in scenario did not succeed.');
    }
  }

  /** Skips (with the reason printed) only while the extension does not register the command behind a scenario yet. */
  function requireCommand(context: Mocha.Context, commandId: string): void {
    if (!extensionBundle.includes(`"${commandId}"`) && !extensionBundle.includes(`'${commandId}'`) && !extensionBundle.includes(`\`${commandId}\``)) {
      console.log(`      (skipped: the extension does not register ${commandId} yet, so "${context.test?.title}" cannot run)`);
      context.skip();
    }
  }

  before(async function () {
    this.timeout(240_000);
    const vsixPath = process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix');
    const tools = locateTools(repoRoot);
    console.log(`      screenshots: ${screenshotDir}`);
    mkdirSync(screenshotDir, { recursive: true });
    serverLogPath = join(screenshotDir, 'local-servers.log');
    // Polling every second keeps the device-code sign-in quick; server log lines never carry token text.
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLogPath, `${line}\n`) });
    codeServer = await startCodeServer({
      vsixPath,
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: CLUSTER_NAME, defaultDatabase: DATABASE }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
    });
    console.log(`      code-server: ${codeServer.workbenchUrl} (log ${codeServer.serverLogPath})`);
    extensionBundle = readInstalledBundle(codeServer.extensionsDir);
    browser = await launchChromium(tools.chromium);
    const opening = Date.now();
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
    metrics.workbenchReadyMs = Date.now() - opening;
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state === 'failed') {
      anyFailure = true;
      const shot = await workbench?.screenshot(`FAILED ${test.title}`).catch(() => undefined);
      console.log(`      failure screenshot: ${shot ?? '(none)'}`);
      const notifications = await workbench?.notificationTexts().catch(() => []);
      if (notifications?.length) {
        console.log(`      notifications on screen: ${JSON.stringify(notifications)}`);
      }
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (codeServer) {
      const kustoLog = readLogFiles(codeServer.logsDir, 'Kusto');
      metrics.activations = measureActivation(codeServer.logsDir, EXTENSION_ID);
      writeFileSync(join(screenshotDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
      console.log(`      metrics: ${JSON.stringify(metrics)}`);
      if (anyFailure) {
        console.log(`      code-server log: ${codeServer.serverLogPath}`);
        console.log(`      local servers log: ${serverLogPath}`);
        console.log(`      VS Code logs:\n${listLogFiles(codeServer.logsDir).map((file) => `        ${file}`).join('\n')}`);
        console.log(`      "Kusto" output channel:\n${indent(kustoLog)}`);
      }
    }
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer && !anyFailure) {
      // VS Code's profile and logs are only worth keeping when something failed.
      rmSync(codeServer.workDir, { recursive: true, force: true });
    }
    console.log(`      screenshots: ${screenshotDir}`);
  });

  it('shows the Kusto view container with the configured cluster and activates quickly', async () => {
    const started = Date.now();
    await workbench.openViewContainer('Kusto');
    await workbench.expandView('Explorer');
    await workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1, timeoutMs: 60_000 });
    metrics.clusterRowVisibleMs = Date.now() - started;
    await workbench.screenshot('kusto view container');

    let activationLine: RegExpExecArray | null = null;
    await waitFor(
      async () => {
        activationLine = /Kusto extension activated in (\d+) ms/.exec(readLogFiles(codeServer!.logsDir, 'Kusto'));
        return activationLine !== null;
      },
      30_000,
      'the "Kusto extension activated in N ms" line in the Kusto output channel',
    );
    const activationMs = Number(activationLine![1]);
    const [timing] = measureActivation(codeServer!.logsDir, EXTENSION_ID);
    console.log(
      `      activation: activate() ${activationMs} ms; activation event → activated ${timing?.sinceActivationEventMs ?? '?'} ms ` +
        `(includes loading the bundle); cluster row visible ${metrics.clusterRowVisibleMs} ms after opening the view`,
    );
    // activate() must stay cheap: MSAL and undici load lazily, so registering everything takes well under a second.
    assert.ok(activationMs < 1000, `activate() took ${activationMs} ms`);
  });

  it('asks to sign in before showing a cluster schema', async function () {
    requireCommand(this, 'kusto.signIn');
    const cluster = await workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1 });
    await workbench.expandTreeRow(cluster);
    await workbench.waitForTreeRow('Explorer', /sign in/i, { level: 2, timeoutMs: 30_000 });
    await workbench.screenshot('explorer asks to sign in');
  });

  it('signs in with a device code approved on the sign-in page; accounts view and status bar show the account', async function () {
    requireCommand(this, 'kusto.signIn');
    await workbench.clearNotifications();
    await workbench.runCommand('Kusto: Sign In');
    // The extension may first ask which cluster to sign in for: pick the configured one, as a person would.
    let message = '';
    await waitFor(
      async () => {
        // The pick shows the cluster's name and URL; its URL (host:port) is unique.
        const clusterPick = workbench.quickPickRow(new RegExp(escapeRegExp(new URL(stack!.kusto.url).host)));
        if (await clusterPick.isVisible().catch(() => false)) {
          await clusterPick.click();
        }
        const dialog = workbench.page.locator('.monaco-dialog-box').first();
        message = (await dialog.isVisible().catch(() => false)) ? ((await dialog.innerText().catch(() => '')) ?? '') : '';
        return extractUserCode(message) !== undefined;
      },
      60_000,
      'a dialog showing the device code',
    );
    await workbench.screenshot('device code dialog');
    const userCode = extractUserCode(message);
    assert.ok(userCode, `no device code in the dialog: ${message}`);
    assert.match(message, /devicelogin/, 'the dialog does not say where to enter the code');
    // "Copy code & open browser" copies the code and opens the page; VS Code may first ask whether to open an
    // external website: the person declines (they approve in their own browser below) and the sign-in goes on.
    await workbench.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Copy code & open browser' }).click();
    const linkDialog = workbench.page.locator('.monaco-dialog-box', { hasText: /external website/i }).first();
    if (await linkDialog.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
      await linkDialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    }
    await workbench.waitForNotification(new RegExp(`Enter the code ${escapeRegExp(userCode)}`), 30_000);
    await workbench.screenshot('device code progress notification');
    const pending = stack!.signIn.pendingDeviceCodes().map((grant) => grant.userCode.replace(/-/g, ''));
    assert.ok(pending.includes(userCode.replace(/-/g, '')), `the code shown (${userCode}) is not one the sign-in server issued`);

    // Approve as a person would: open the device login page, type the code, pick the account, press Approve.
    const loginPage = await workbench.page.context().newPage();
    await loginPage.goto(`${stack!.signIn.origin}/devicelogin`);
    await loginPage.locator('#user_code').fill(userCode);
    await loginPage.locator(`input[name="user"][value="${USER_UPN}"]`).check();
    await loginPage.locator('button[value="approve"]').click();
    await loginPage.getByText(/signed in/i).first().waitFor({ timeout: 15_000 });
    await loginPage.screenshot({ path: join(screenshotDir, 'device-login-approved.png') });
    await loginPage.close();

    await workbench.expandView('Accounts');
    await workbench.waitForTreeRow('Accounts', USER_NAME, { level: 1, timeoutMs: 60_000 });
    // Under the account: the cluster scope it holds a token for, with the time that token has left.
    const clusterHost = new URL(stack!.kusto.url).host;
    const scopeRow = await workbench.waitForTreeRow('Accounts', new RegExp(escapeRegExp(clusterHost)), { level: 2, timeoutMs: 30_000 });
    assert.match((await scopeRow.getAttribute('aria-label')) ?? '', /\d+\s*(m|min|minutes?|h)\b/i, 'the scope row shows no expiry');
    const status = await workbench.waitForStatusBar(/alice/i, 30_000);
    assert.match(status, /\d+\s*(m|min|h)\b/i, `the status bar shows no time left: ${status}`);
    // Nothing about the code is left on screen once the sign-in is done.
    await waitFor(
      async () => !(await workbench.notificationTexts()).some((text) => text.includes(userCode)),
      30_000,
      'the device code notification to close after sign-in',
    );
    await workbench.screenshot('signed in accounts and status bar');
    signedIn = true;
  });

  it('browses cluster → database → table → columns', async function () {
    requireCommand(this, 'kusto.refreshExplorer');
    requireSignedIn();
    const cluster = await workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1 });
    await workbench.expandTreeRow(cluster);
    const database = await workbench.waitForTreeRow('Explorer', new RegExp(`^${DATABASE}$`), { level: 2, timeoutMs: 60_000 });
    await workbench.expandTreeRow(database);
    const table = await findTableRow(workbench, TABLE);
    await workbench.expandTreeRow(table);
    await workbench.waitForTreeRow('Explorer', /^StartTime$/, { timeoutMs: 30_000 });
    const rows = await workbench.treeRows('Explorer');
    const startTime = rows.find((row) => /^StartTime\b/.test(row.label));
    assert.ok(startTime, 'no StartTime column row');
    assert.match(startTime.label, /datetime/i, `the column row does not show its type: ${startTime.label}`);
    await workbench.screenshot('table columns');
  });

  it('"Query First 100 Rows" on a table shows 100 rows in the results grid', async function () {
    requireCommand(this, 'kusto.queryFirstRows');
    requireSignedIn();
    const table = await findTableRow(workbench, TABLE);
    await workbench.clickContextMenu(table, 'Query First 100 Rows');
    const grid = await workbench.waitForWebview(/StartTime/, 60_000);
    await waitFor(async () => /\b100\s+rows\b/i.test(await bodyText(grid)), 30_000, 'the results to say 100 rows');
    await workbench.screenshot('query first 100 rows');
  });

  it('runs the query under the cursor with Shift+Enter and sorts by a column', async function () {
    requireCommand(this, 'kusto.runQuery');
    requireSignedIn();
    await workbench.openFile('queries.kql');
    await workbench.replaceEditorText('StormEvents\n| summarize Events = count() by State\n| top 5 by Events asc');
    await workbench.page.keyboard.press('Shift+Enter');
    const grid = await workbench.waitForWebview(/\b5\s+rows\b/i, 60_000);
    await workbench.screenshot('shift enter results');
    const before = await columnValues(grid, 'Events');
    assert.equal(before.length, 5, `expected 5 Events values, saw ${JSON.stringify(before)}`);
    assert.deepEqual(before, [...before].sort((a, b) => a - b), 'top 5 by Events asc arrives ascending');
    // Clicking the header sorts; clicking again reverses. Descending must differ from the ascending order sent.
    const header = grid.locator('[role="columnheader"]', { has: grid.locator('.column-name', { hasText: /^Events$/ }) }).first();
    await header.click();
    await header.click();
    await waitFor(
      async () => {
        const values = await columnValues(grid, 'Events');
        return values.length === 5 && values.join() === [...before].sort((a, b) => b - a).join();
      },
      15_000,
      'the Events column to be sorted descending',
    );
    await workbench.screenshot('sorted descending');
  });

  it('shows a semantic error with its message', async function () {
    requireCommand(this, 'kusto.runQuery');
    requireSignedIn();
    await workbench.openFile('queries.kql');
    await workbench.replaceEditorText('StormEvents\n| where NoSuchColumn > 0');
    await workbench.page.keyboard.press('Shift+Enter');
    await waitFor(
      async () =>
        [...(await workbench.webviewTexts()), ...(await workbench.notificationTexts())].some((text) => /NoSuchColumn/.test(text)),
      60_000,
      'an error naming NoSuchColumn in the results panel or a notification',
    );
    await workbench.screenshot('semantic error');
  });

  it('cancels a long-running query', async function () {
    requireCommand(this, 'kusto.cancelQuery');
    requireSignedIn();
    stack!.kusto.injectFault({ kind: 'delay', ms: 60_000, match: SLOW_QUERY_MARKER });
    await workbench.openFile('queries.kql');
    await workbench.replaceEditorText(`StormEvents\n| where EventType != "${SLOW_QUERY_MARKER}"\n| take 10`);
    await workbench.page.keyboard.press('Shift+Enter');
    await waitFor(
      async () => stack!.kusto.requests.some((request) => request.csl?.includes(SLOW_QUERY_MARKER) ?? false),
      30_000,
      'the slow query to reach the Kusto server',
    );
    await workbench.screenshot('long query running');
    const cancelledAt = Date.now();
    await workbench.runCommand('Kusto: Cancel Query');
    await waitFor(
      async () =>
        [...(await workbench.webviewTexts()), ...(await workbench.notificationTexts())].some((text) => /cancel/i.test(text)),
      30_000,
      'the results panel or a notification to say the query was cancelled',
    );
    // The request is really abandoned: the server sees the client go away long before its 60 s delay ends.
    await waitFor(
      async () => existsSync(serverLogPath) && /client gone during delay/.test(readFileSync(serverLogPath, 'utf8')),
      15_000,
      'the Kusto server to see the cancelled request disconnect',
    );
    assert.ok(Date.now() - cancelledAt < 30_000);
    await workbench.screenshot('query cancelled');
  });

  it('stays signed in after the window reloads', async function () {
    requireCommand(this, 'kusto.signIn');
    requireSignedIn();
    await workbench.runCommand('Developer: Reload Window');
    await workbench.page.waitForTimeout(1_000);
    await workbench.waitUntilReady();
    await workbench.openViewContainer('Kusto');
    await workbench.expandView('Accounts');
    await workbench.waitForTreeRow('Accounts', USER_NAME, { level: 1, timeoutMs: 60_000 });
    const cluster = await workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1, timeoutMs: 60_000 });
    await workbench.expandTreeRow(cluster);
    await workbench.waitForTreeRow('Explorer', new RegExp(`^${DATABASE}$`), { level: 2, timeoutMs: 60_000 });
    await workbench.screenshot('after reload still signed in');
  });

  it('signs out, and the explorer asks to sign in again', async function () {
    requireCommand(this, 'kusto.signOut');
    requireSignedIn();
    await workbench.runCommand('Kusto: Sign Out');
    // Sign-out may ask which account, or to confirm: answer as a person would.
    await answerSignOutPrompt(workbench);
    await workbench.waitForStatusBar(/sign in/i, 30_000);
    await waitFor(
      async () => !(await workbench.treeRows('Accounts')).some((row) => USER_NAME.test(row.label)),
      15_000,
      'the account to leave the Accounts view',
    );
    await workbench.screenshot('signed out');
    // The schema shown belonged to the signed-out account: the explorer must not keep showing it.
    await workbench.waitForTreeRow('Explorer', /sign in/i, { timeoutMs: 30_000 });
    await workbench.screenshot('explorer asks to sign in again');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function extractUserCode(message: string): string | undefined {
  const afterWord = /code\s+([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})?)/i.exec(message);
  return afterWord?.[1];
}

/** The table's row, opening the "Tables" group and its folders (Kusto tables sit in doc folders) until it shows. */
async function findTableRow(workbench: Workbench, table: string) {
  const tableRow = workbench.treeRow('Explorer', new RegExp(`^${table}$`));
  if (await tableRow.isVisible().catch(() => false)) {
    return tableRow;
  }
  const group = await workbench.waitForTreeRow('Explorer', /^Tables$/, { level: 3, timeoutMs: 30_000 });
  await workbench.expandTreeRow(group);
  // Children load after the row expands: wait for the first one before looking for folders.
  await workbench.view('Explorer').locator('.monaco-list-row[aria-level="4"]').first().waitFor({ state: 'visible', timeout: 30_000 });
  for (let attempt = 0; attempt < 10 && !(await tableRow.isVisible().catch(() => false)); attempt++) {
    const collapsedFolder = workbench.view('Explorer').locator('.monaco-list-row[aria-level="4"][aria-expanded="false"]').first();
    if (!(await collapsedFolder.isVisible().catch(() => false))) {
      break;
    }
    await workbench.expandTreeRow(collapsedFolder);
  }
  await tableRow.waitFor({ state: 'visible', timeout: 15_000 });
  return tableRow;
}

async function bodyText(frame: Frame): Promise<string> {
  return frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
}

/** Numbers shown in one grid column, top to bottom: the grid is an ARIA grid (row, columnheader, gridcell roles)
 * whose pooled rows are reused while scrolling, so hidden or still-loading rows are left out and rows are put in
 * their aria-rowindex order. */
async function columnValues(frame: Frame, column: string): Promise<number[]> {
  const header = frame.locator('[role="columnheader"]');
  const headerNames = await header.evaluateAll((cells) => cells.map((cell) => cell.querySelector('.column-name')?.textContent ?? cell.textContent ?? ''));
  const index = headerNames.findIndex((name) => name.trim() === column);
  if (index < 0) {
    return [];
  }
  const rows = await frame.locator('[role="row"]').evaluateAll(
    (elements, columnIndex) =>
      elements
        .filter((row) => !row.hasAttribute('hidden') && !row.classList.contains('loading') && row.querySelector('[role="gridcell"]'))
        .map((row) => ({
          position: Number(row.getAttribute('aria-rowindex') ?? '0'),
          text: row.querySelectorAll('[role="gridcell"]')[columnIndex]?.textContent ?? '',
        })),
    index,
  );
  return rows.sort((a, b) => a.position - b.position).map((row) => Number(row.text.replace(/[^0-9.-]/g, '')));
}

async function answerSignOutPrompt(workbench: Workbench): Promise<void> {
  const page = workbench.page;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: USER_NAME }).first();
    if (await pick.isVisible().catch(() => false)) {
      await pick.click();
      return;
    }
    const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: /sign out/i }).first();
    if (await confirm.isVisible().catch(() => false)) {
      await confirm.click();
      return;
    }
    await page.waitForTimeout(200);
  }
}

function readInstalledBundle(extensionsDir: string): string {
  const installed = readdirSync(extensionsDir).find((name) => name.startsWith(EXTENSION_ID));
  const bundle = installed ? join(extensionsDir, installed, 'dist', 'extension.js') : '';
  return bundle && existsSync(bundle) ? readFileSync(bundle, 'utf8') : '';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}
