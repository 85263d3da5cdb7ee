// End to end: a Log Analytics workspace (and an Application Insights app) through Azure Data Explorer's proxy for
// Azure Monitor, served by the local Kusto server under the documented path
// (`/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.operationalinsights/workspaces/<workspace>`).
// Added with "Add Cluster Connection" and from a connection string, signed in for the Kusto service scope, the
// workspace's tables in the explorer, a query run on it, and the audience of the token the server received.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import { MONITOR_PROXY_AUDIENCE, monitorResourcePath, sampleMonitorResources } from '../../src/localServers/kusto/monitorProxy';
import { findRepoRoot, kustoSettingsFor, listLogFiles, locateTools, readLogFiles, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

const USER_UPN = 'alice@contoso.com';
const [WORKSPACE, APP] = sampleMonitorResources();

describe('Azure Monitor through the Kusto proxy in a real VS Code: a Log Analytics workspace', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-monitor-proxy', runId);
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let anyFailure = false;
  let serverLogPath = '';
  let workspaceUrl = '';
  let workspacePath = '';

  before(async function () {
    this.timeout(240_000);
    const vsixPath = process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix');
    const tools = locateTools(repoRoot);
    console.log(`      screenshots: ${screenshotDir}`);
    mkdirSync(screenshotDir, { recursive: true });
    serverLogPath = join(screenshotDir, 'local-servers.log');
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLogPath, `${line}\n`) });
    workspacePath = monitorResourcePath(WORKSPACE);
    workspaceUrl = `${stack.kusto.url}${workspacePath}`;
    codeServer = await startCodeServer({
      vsixPath,
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: 'local', defaultDatabase: 'Samples' }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
    });
    browser = await launchChromium(tools.chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
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

  it('adds the workspace with Add Cluster Connection: named after the workspace, its database offered', async () => {
    await workbench.openViewContainer('Kusto');
    await workbench.runCommand('Kusto: Add Cluster Connection');
    await workbench.waitForQuickInputOpen();
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    // A path that is not one of the documented shapes is refused, naming the bad part.
    await input.fill(`${stack!.kusto.url}/subscriptions/${WORKSPACE.subscriptionId}/resourcegroups/${WORKSPACE.resourceGroup}/providers/microsoft.compute/virtualmachines/vm1`);
    await waitFor(async () => /expected "\/providers\/microsoft\.operationalinsights\/workspaces/.test(await workbench.page.locator('.quick-input-widget').innerText()), 15_000, 'the input to name the bad path');
    await workbench.screenshot('workspace URL with a wrong provider refused');
    await input.fill(workspaceUrl);
    await workbench.page.keyboard.press('Enter');
    const step = async (n: number) => /Add Kusto Cluster \((\d)\/3\)/.exec(await workbench.page.locator('.quick-input-widget').innerText().catch(() => ''))?.[1] === String(n);
    await waitFor(async () => (await step(2)) && (await input.inputValue()) === WORKSPACE.name, 15_000, 'the display name to be the workspace name');
    await workbench.page.keyboard.press('Enter');
    await waitFor(async () => (await step(3)) && (await input.inputValue()) === WORKSPACE.name, 15_000, 'the default database to be the workspace');
    await workbench.page.keyboard.press('Enter');
    const row = await workbench.waitForTreeRow('Explorer', new RegExp(`^${WORKSPACE.name}`), { level: 1, timeoutMs: 30_000 });
    assert.match((await row.getAttribute('aria-label')) ?? (await row.innerText()), /ContosoLogs/);
    assert.match(await row.innerText(), /Log Analytics/);
    await workbench.screenshot('workspace in the explorer');
  });

  it('signs in for the workspace (the Kusto service scope) with a device code', async () => {
    await workbench.runCommand('Kusto: Sign In');
    let message = '';
    await waitFor(
      async () => {
        const pick = workbench.quickPickRow(new RegExp(`^${WORKSPACE.name}`));
        if (await pick.isVisible().catch(() => false)) await pick.click();
        const dialog = workbench.page.locator('.monaco-dialog-box').first();
        message = (await dialog.isVisible().catch(() => false)) ? await dialog.innerText().catch(() => '') : '';
        return /code\s+[A-Z0-9-]{6,}/i.test(message);
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
    await workbench.waitForNotification(new RegExp(`Signed in to ${WORKSPACE.name} as ${USER_UPN}`), 60_000);
  });

  it("shows the workspace's tables in the explorer (schema through the proxy path)", async () => {
    const workspace = await workbench.waitForTreeRow('Explorer', new RegExp(`^${WORKSPACE.name}`), { level: 1 });
    await workbench.expandTreeRow(workspace);
    const database = await workbench.waitForTreeRow('Explorer', new RegExp(`^${WORKSPACE.name}$`), { level: 2, timeoutMs: 60_000 });
    await workbench.expandTreeRow(database);
    const tables = await workbench.waitForTreeRow('Explorer', /^Tables$/, { level: 3, timeoutMs: 60_000 });
    await workbench.expandTreeRow(tables);
    await workbench.waitForTreeRow('Explorer', /^Heartbeat$/, { timeoutMs: 30_000 });
    await workbench.waitForTreeRow('Explorer', /^Perf$/, { timeoutMs: 30_000 });
    const schemaRequest = stack!.kusto.requests.find((r) => r.path === `${workspacePath}/v1/rest/mgmt`);
    assert.equal(schemaRequest?.csl, `.show database ${WORKSPACE.name} schema as json`);
    assert.ok(!stack!.kusto.requests.some((r) => r.path.startsWith(workspacePath) && r.csl === '.show databases'), 'no .show databases to the proxy');
    await workbench.screenshot('workspace tables in the explorer');
  });

  it('runs a query on the workspace; the server got a token for the Kusto service audience', async () => {
    await workbench.openFile('queries.kql');
    await chooseEditorConnection(WORKSPACE.name);
    await workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await workbench.replaceEditorText('Heartbeat | summarize Beats = count() by Computer | order by Computer asc');
    await workbench.page.keyboard.press('Shift+Enter');
    const grid = await workbench.waitForWebview(/\b3\s+rows\b/i, 60_000);
    await waitFor(async () => /sql-01/.test(await bodyText(grid)), 15_000, 'the rows to show');
    const query = stack!.kusto.requests.filter((r) => r.path === `${workspacePath}/v2/rest/query`).at(-1);
    assert.equal(query?.db, WORKSPACE.name);
    assert.equal(query?.tokenAudience, MONITOR_PROXY_AUDIENCE);
    await workbench.screenshot('query results from the workspace');
  });

  it('says why there is no web link for a workspace query', async () => {
    const grid = await workbench.waitForWebview(/\b3\s+rows\b/i, 10_000);
    await grid.locator('vscode-button', { hasText: 'Copy Link' }).click();
    await waitFor(async () => /not available for a Log Analytics workspace/.test(await bodyText(grid)), 15_000, 'the page to say why no link was made');
    await workbench.screenshot('no web link for a workspace');
  });

  it('adds an Application Insights app from a connection string and queries it with the same sign-in', async () => {
    const appUrl = `${stack!.kusto.url}${monitorResourcePath(APP)}`;
    await workbench.runCommand('Kusto: Add Cluster from Connection String');
    await workbench.waitForQuickInputOpen();
    await workbench.page.locator('.quick-input-widget .quick-input-box input').fill(`Data Source=${appUrl};Fed=True`);
    await workbench.page.keyboard.press('Enter');
    await workbench.waitForNotification(new RegExp(`Added ${APP.name} \\(.*database ${APP.name}\\)`), 30_000);
    await workbench.openViewContainer('Kusto');
    await workbench.waitForTreeRow('Explorer', new RegExp(`^${APP.name}`), { level: 1, timeoutMs: 30_000 });
    await workbench.openFile('queries.kql');
    await chooseEditorConnection(APP.name);
    await workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await workbench.replaceEditorText('requests | where success == false | project name, resultCode');
    await workbench.page.keyboard.press('Shift+Enter');
    const grid = await workbench.waitForWebview(/GET \/cart/, 60_000);
    assert.match(await bodyText(grid), /\b1\s+rows?\b/i);
    const query = stack!.kusto.requests.filter((r) => r.path === `${monitorResourcePath(APP)}/v2/rest/query`).at(-1);
    assert.equal(query?.tokenAudience, MONITOR_PROXY_AUDIENCE);
    await workbench.screenshot('query results from the app');
  });

  async function chooseEditorConnection(name: string): Promise<void> {
    // The command is offered for a focused KQL editor.
    await workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await workbench.page.locator('.editor-instance .monaco-editor').first().click();
    await workbench.runCommand('Kusto: Choose Connection for Editor');
    await workbench.quickPickRow(new RegExp(`^${name}`)).click();
    // The second step lists the workspace's one database, named like it.
    await waitFor(async () => /\(2\/2\)/.test(await workbench.page.locator('.quick-input-widget').innerText().catch(() => '')), 15_000, 'the database step');
    await workbench.quickPickRow(new RegExp(`^${name}`)).click();
    await workbench.waitForStatusBar(new RegExp(name), 30_000);
  }
});

async function bodyText(frame: Frame): Promise<string> {
  return frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
}
