// End to end: a Log Analytics workspace (and an Application Insights app) through Azure Data Explorer's proxy for
// Azure Monitor, served by the local Kusto server under the documented path
// (`/subscriptions/<sub>/resourcegroups/<rg>/providers/microsoft.operationalinsights/workspaces/<workspace>`).
// Added with "Add Cluster Connection" and from a connection string, signed in for the Kusto service scope, the
// workspace's tables in the explorer, a query run on it, and the audience of the token the server received.
import * as assert from 'node:assert/strict';
import { MONITOR_PROXY_AUDIENCE, monitorResourcePath, sampleMonitorResources } from '../../src/localServers/kusto/monitorProxy';
import { useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { E2E_USER_UPN, signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { bodyText } from '../../scripts/e2e/querySteps';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { waitFor } from '../../scripts/e2e/workbench';

const [WORKSPACE, APP] = sampleMonitorResources();

describe('Azure Monitor through the Kusto proxy in a real VS Code: a Log Analytics workspace', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({ screenshotFolder: 'e2e-monitor-proxy', workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL } });
  const workspacePath = monitorResourcePath(WORKSPACE);

  it('adds the workspace with Add Cluster Connection: named after the workspace, its database offered', async () => {
    await session.workbench.openViewContainer('Kusto');
    await session.workbench.runCommand('Kusto: Add Cluster Connection');
    await session.workbench.waitForQuickInputOpen();
    const input = session.workbench.page.locator('.quick-input-widget .quick-input-box input');
    // A path that is not one of the documented shapes is refused, naming the bad part.
    await input.fill(`${session.stack.kusto.url}/subscriptions/${WORKSPACE.subscriptionId}/resourcegroups/${WORKSPACE.resourceGroup}/providers/microsoft.compute/virtualmachines/vm1`);
    await waitFor(async () => /expected "\/providers\/microsoft\.operationalinsights\/workspaces/.test(await session.workbench.page.locator('.quick-input-widget').innerText()), 15_000, 'the input to name the bad path');
    await session.workbench.screenshot('workspace URL with a wrong provider refused');
    await input.fill(`${session.stack.kusto.url}${workspacePath}`);
    await session.workbench.page.keyboard.press('Enter');
    const step = async (n: number) => /Add Kusto Cluster \((\d)\/3\)/.exec(await session.workbench.page.locator('.quick-input-widget').innerText().catch(() => ''))?.[1] === String(n);
    await waitFor(async () => (await step(2)) && (await input.inputValue()) === WORKSPACE.name, 15_000, 'the display name to be the workspace name');
    await session.workbench.page.keyboard.press('Enter');
    await waitFor(async () => (await step(3)) && (await input.inputValue()) === WORKSPACE.name, 15_000, 'the default database to be the workspace');
    await session.workbench.page.keyboard.press('Enter');
    const row = await session.workbench.waitForTreeRow('Explorer', new RegExp(`^${WORKSPACE.name}`), { level: 1, timeoutMs: 30_000 });
    assert.match((await row.getAttribute('aria-label')) ?? (await row.innerText()), /ContosoLogs/);
    assert.match(await row.innerText(), /Log Analytics/);
    await session.workbench.screenshot('workspace in the explorer');
  });

  it('signs in for the workspace (the Kusto service scope) with a device code', async () => {
    await signInWithDeviceCode(session.workbench, session.stack, {
      clusterRow: new RegExp(`^${WORKSPACE.name}`),
      waitUntilSignedIn: (workbench) => workbench.waitForNotification(new RegExp(`Signed in to ${WORKSPACE.name} as ${E2E_USER_UPN}`), 60_000),
    });
  });

  it("shows the workspace's tables in the explorer (schema through the proxy path)", async () => {
    const workspace = await session.workbench.waitForTreeRow('Explorer', new RegExp(`^${WORKSPACE.name}`), { level: 1 });
    await session.workbench.expandTreeRow(workspace);
    const database = await session.workbench.waitForTreeRow('Explorer', new RegExp(`^${WORKSPACE.name}$`), { level: 2, timeoutMs: 60_000 });
    await session.workbench.expandTreeRow(database);
    const tables = await session.workbench.waitForTreeRow('Explorer', /^Tables$/, { level: 3, timeoutMs: 60_000 });
    await session.workbench.expandTreeRow(tables);
    await session.workbench.waitForTreeRow('Explorer', /^Heartbeat$/, { timeoutMs: 30_000 });
    await session.workbench.waitForTreeRow('Explorer', /^Perf$/, { timeoutMs: 30_000 });
    const schemaRequest = session.stack.kusto.requests.find((r) => r.path === `${workspacePath}/v1/rest/mgmt`);
    assert.equal(schemaRequest?.csl, `.show database ${WORKSPACE.name} schema as json`);
    assert.ok(!session.stack.kusto.requests.some((r) => r.path.startsWith(workspacePath) && r.csl === '.show databases'), 'no .show databases to the proxy');
    await session.workbench.screenshot('workspace tables in the explorer');
  });

  it('runs a query on the workspace; the server got a token for the Kusto service audience', async () => {
    await session.workbench.openFile('queries.kql');
    await chooseEditorConnection(WORKSPACE.name);
    await session.workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await session.workbench.replaceEditorText('Heartbeat | summarize Beats = count() by Computer | order by Computer asc');
    await session.workbench.page.keyboard.press('Shift+Enter');
    const grid = await session.workbench.waitForWebview(/\b3\s+rows\b/i, 60_000);
    await waitFor(async () => /sql-01/.test(await bodyText(grid)), 15_000, 'the rows to show');
    const query = session.stack.kusto.requests.filter((r) => r.path === `${workspacePath}/v2/rest/query`).at(-1);
    assert.equal(query?.db, WORKSPACE.name);
    assert.equal(query?.tokenAudience, MONITOR_PROXY_AUDIENCE);
    await session.workbench.screenshot('query results from the workspace');
  });

  it('says why there is no web link for a workspace query', async () => {
    const grid = await session.workbench.waitForWebview(/\b3\s+rows\b/i, 10_000);
    await grid.locator('vscode-button', { hasText: 'Copy Link' }).click();
    await waitFor(async () => /not available for a Log Analytics workspace/.test(await bodyText(grid)), 15_000, 'the page to say why no link was made');
    await session.workbench.screenshot('no web link for a workspace');
  });

  it('adds an Application Insights app from a connection string and queries it with the same sign-in', async () => {
    const appUrl = `${session.stack.kusto.url}${monitorResourcePath(APP)}`;
    await session.workbench.runCommand('Kusto: Add Cluster from Connection String');
    await session.workbench.waitForQuickInputOpen();
    await session.workbench.page.locator('.quick-input-widget .quick-input-box input').fill(`Data Source=${appUrl};Fed=True`);
    await session.workbench.page.keyboard.press('Enter');
    await session.workbench.waitForNotification(new RegExp(`Added ${APP.name} \\(.*database ${APP.name}\\)`), 30_000);
    await session.workbench.openViewContainer('Kusto');
    await session.workbench.waitForTreeRow('Explorer', new RegExp(`^${APP.name}`), { level: 1, timeoutMs: 30_000 });
    await session.workbench.openFile('queries.kql');
    await chooseEditorConnection(APP.name);
    await session.workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await session.workbench.replaceEditorText('requests | where success == false | project name, resultCode');
    await session.workbench.page.keyboard.press('Shift+Enter');
    const grid = await session.workbench.waitForWebview(/GET \/cart/, 60_000);
    assert.match(await bodyText(grid), /\b1\s+rows?\b/i);
    const query = session.stack.kusto.requests.filter((r) => r.path === `${monitorResourcePath(APP)}/v2/rest/query`).at(-1);
    assert.equal(query?.tokenAudience, MONITOR_PROXY_AUDIENCE);
    await session.workbench.screenshot('query results from the app');
  });

  async function chooseEditorConnection(name: string): Promise<void> {
    // The command is offered for a focused KQL editor.
    await session.workbench.page.locator('.tabs-container .tab[aria-label^="queries.kql"]').first().click();
    await session.workbench.page.locator('.editor-instance .monaco-editor').first().click();
    await session.workbench.runCommand('Kusto: Choose Connection for Editor');
    await session.workbench.quickPickRow(new RegExp(`^${name}`)).click();
    // The second step lists the workspace's one database, named like it.
    await waitFor(async () => /\(2\/2\)/.test(await session.workbench.page.locator('.quick-input-widget').innerText().catch(() => '')), 15_000, 'the database step');
    await session.workbench.quickPickRow(new RegExp(`^${name}`)).click();
    await session.workbench.waitForStatusBar(new RegExp(name), 30_000);
  }
});
