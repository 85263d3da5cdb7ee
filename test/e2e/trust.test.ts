// Trust boundaries end to end (issue 14, points 2 and 3): a cloned repository's .vscode/settings.json names a
// cluster the user never used, a tenant for it, and its own "authority host". In a real VS Code (code-server,
// logged in with its random password) the extension asks before anything goes to that cluster, does nothing when
// the user says no, and signs in only at the authority the user's own settings name when the user says yes.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { findRepoRoot, locateTools, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { copyCodeAndDeclineExternalPage } from '../../scripts/e2e/deviceCodeSignIn';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';
import { startLocalStack } from '../../src/localServers/localStack';

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

const CLUSTER_NAME = 'from-the-repository';
const WORKSPACE_TENANT = 'contoso.onmicrosoft.com';
const HOSTILE_AUTHORITY = 'https://login.evil.example';
const USER_UPN = 'alice@contoso.com';

describe('Trust boundaries in a real VS Code: clusters and sign-in settings from a workspace', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-trust', new Date().toISOString().replace(/[:.]/g, '-'));
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let failed = false;
  let clusterHost = '';

  before(async function () {
    this.timeout(240_000);
    const tools = locateTools(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    console.log(`      screenshots: ${screenshotDir}`);
    const serverLog = join(screenshotDir, 'local-servers.log');
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLog, `${line}\n`) });
    clusterHost = new URL(stack.kusto.url).host;
    codeServer = await startCodeServer({
      vsixPath: process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix'),
      // The user's own settings: where they sign in. No clusters of their own.
      settings: { 'kusto.signIn.authorityHost': stack.signIn.origin },
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: {
        // What a cloned repository brings along.
        '.vscode/settings.json': JSON.stringify(
          {
            'kusto.clusters': [{ url: stack.kusto.url, name: CLUSTER_NAME, defaultDatabase: 'Samples', tenant: WORKSPACE_TENANT }],
            'kusto.signIn.authorityHost': HOSTILE_AUTHORITY,
          },
          null,
          2,
        ),
      },
    });
    browser = await launchChromium(tools.chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      failed = true;
      console.log(`      failure screenshot: ${await workbench?.screenshot(`FAILED ${this.currentTest.title}`).catch(() => '(none)')}`);
      console.log(`      notifications: ${JSON.stringify(await workbench?.notificationTexts().catch(() => []))}`);
    }
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer && !failed) {
      rmSync(codeServer.workDir, { recursive: true, force: true });
    }
  });

  /** Expands the workspace's cluster (which needs a token for its databases); returns the confirmation dialog. */
  async function expandWorkspaceCluster() {
    await workbench.openViewContainer('Kusto');
    await workbench.expandView('Explorer');
    const cluster = await workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1, timeoutMs: 60_000 });
    await workbench.expandTreeRow(cluster);
    const dialog = workbench.page.locator('.monaco-dialog-box', { hasText: /This workspace wants to connect to/ }).first();
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    return dialog;
  }

  it('asks before using a cluster only the workspace names, and sends nothing when the user says no', async () => {
    const dialog = await expandWorkspaceCluster();
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`This workspace wants to connect to ${clusterHost.replace(/[.]/g, '\\.')}`));
    assert.match(text, new RegExp(`tenant ${WORKSPACE_TENANT.replace(/[.]/g, '\\.')}`), 'the dialog names the tenant the workspace asks for');
    const shot = await workbench.screenshot('workspace cluster confirmation');
    console.log(`      confirmation screenshot: ${shot}`);
    await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    // The explorer says why it shows nothing (the error row of the cluster).
    await workbench.waitForTreeRow('Explorer', /did not allow connecting to it/, { level: 2, timeoutMs: 30_000 });
    assert.deepEqual(stack!.signIn.pendingDeviceCodes(), [], 'no sign-in was started');
    assert.equal(stack!.kusto.requests.filter((r) => r.path !== '/v1/rest/auth/metadata').length, 0, 'the cluster heard nothing');
    await workbench.screenshot('workspace cluster refused');
  });

  it('after a yes, signs in at the authority of the user\'s settings (not the workspace\'s) and shows the cluster', async () => {
    // A refusal holds for the window: reload to be asked again.
    await workbench.clearNotifications();
    await Promise.all([workbench.page.waitForEvent('load', { timeout: 60_000 }), workbench.runCommand('Developer: Reload Window')]);
    await workbench.waitUntilReady();
    const dialog = await expandWorkspaceCluster();
    await dialog.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    // Allowed; nobody is signed in yet: the explorer offers to sign in, and signing in asks nothing more.
    const signInRow = await workbench.waitForTreeRow('Explorer', /sign in/i, { level: 2, timeoutMs: 30_000 });
    await signInRow.click();

    const codeDialog = workbench.page.locator('.monaco-dialog-box', { hasText: /with the code/ }).first();
    await codeDialog.waitFor({ state: 'visible', timeout: 60_000 });
    const message = await codeDialog.innerText();
    assert.ok(message.includes(`${stack!.signIn.origin}/devicelogin`), `the code goes to the user's sign-in server: ${message}`);
    assert.ok(!message.includes('evil.example'), 'never to the authority the workspace named');
    await workbench.screenshot('device code after allowing the workspace cluster');
    const userCode = /code\s+([A-Z0-9-]{6,})/i.exec(message)?.[1];
    assert.ok(userCode, message);
    // Go on as a person would ("Copy code & open browser"; VS Code may ask about opening the external page: no).
    await copyCodeAndDeclineExternalPage(workbench);
    const pending = stack!.signIn.pendingDeviceCodes().find((grant) => grant.userCode.replace(/-/g, '') === userCode.replace(/-/g, ''));
    assert.ok(pending, `the code shown (${userCode}) is one the user's sign-in server issued`);
    stack!.signIn.approveDeviceCode(pending.userCode, USER_UPN);

    // Allowed once: the schema loads with the token, with no second question.
    await workbench.waitForTreeRow('Explorer', /^Samples$/, { level: 2, timeoutMs: 60_000 });
    assert.equal(await workbench.page.locator('.monaco-dialog-box', { hasText: /This workspace wants/ }).count(), 0);
    assert.ok(stack!.kusto.requests.some((r) => r.path === '/v1/rest/mgmt'), 'the cluster was asked for its schema');
    await workbench.screenshot('workspace cluster allowed and loaded');
  });

  it('with 90-second tokens (Conditional Access), explorer refreshes right after a token refresh cost no further grant', async () => {
    const serverLog = join(screenshotDir, 'local-servers.log');
    const grants = (): number => (readFileSync(serverLog, 'utf8').match(/grant_type=refresh_token -> 200/g) ?? []).length;
    stack!.signIn.setAccessTokenLifetime(90);
    try {
      const before = grants();
      // The status bar entry refreshes the token now: one grant, for a token that lives 90 seconds.
      const entry = workbench.page.locator('.part.statusbar .statusbar-item', { hasText: /Kusto: alice/ }).first();
      await entry.click();
      await waitFor(async () => /Kusto: alice · (1m|<1m)/.test(await entry.innerText()), 30_000, 'the status bar to show the 90-second token');
      assert.equal(grants() - before, 1);
      // Half a minute on, the token has 60 s left: inside MSAL's 5-minute renewal rule, outside ours (a third of
      // 90 s). Each refresh of the cluster asks for a token again; the token serves them all until it is due.
      const refreshedAt = Date.now();
      await workbench.page.waitForTimeout(32_000); // the scenario is about time passing

      const cluster = await workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1 });
      for (let i = 0; i < 3; i++) {
        await workbench.clickInlineAction(cluster, 'Refresh');
        await workbench.waitForTreeRow('Explorer', /^Samples$/, { level: 2, timeoutMs: 30_000 });
      }
      await workbench.page.mouse.move(700, 400);
      await workbench.screenshot('90-second token after three explorer refreshes');
      assert.ok(Date.now() - refreshedAt < 60_000, 'the refreshes ran before the token was due');
      assert.equal(grants() - before, 1, 'no further grant: neither MSAL\'s 5-minute rule nor a second renewal of a token just renewed');
    } finally {
      stack!.signIn.setAccessTokenLifetime(3_600);
    }
  });
});
