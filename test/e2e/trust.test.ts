// Trust boundaries end to end (issue 14, points 2 and 3): a cloned repository's .vscode/settings.json names a
// cluster the user never used, a tenant for it, and its own "authority host". In a real VS Code (code-server,
// logged in with its random password) the extension asks before anything goes to that cluster, does nothing when
// the user says no, and signs in only at the authority the user's own settings name when the user says yes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { copyCodeAndDeclineExternalPage } from '../../scripts/e2e/deviceCodeSignIn';
import { waitFor } from '../../scripts/e2e/workbench';

const CLUSTER_NAME = 'from-the-repository';
const WORKSPACE_TENANT = 'contoso.onmicrosoft.com';
const HOSTILE_AUTHORITY = 'https://login.evil.example';
const USER_UPN = 'alice@contoso.com';

describe('Trust boundaries in a real VS Code: clusters and sign-in settings from a workspace', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({
    screenshotFolder: 'e2e-trust',
    // The user's own settings: where they sign in. No clusters of their own.
    settings: (stack) => ({ 'kusto.signIn.authorityHost': stack.signIn.origin }),
    workspaceFiles: (stack) => ({
      // What a cloned repository brings along.
      '.vscode/settings.json': JSON.stringify(
        {
          'kusto.clusters': [{ url: stack.kusto.url, name: CLUSTER_NAME, defaultDatabase: 'Samples', tenant: WORKSPACE_TENANT }],
          'kusto.signIn.authorityHost': HOSTILE_AUTHORITY,
        },
        null,
        2,
      ),
    }),
  });

  /** Expands the workspace's cluster (which needs a token for its databases); returns the confirmation dialog. */
  async function expandWorkspaceCluster() {
    await session.workbench.openViewContainer('Kusto');
    await session.workbench.expandView('Explorer');
    const cluster = await session.workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1, timeoutMs: 60_000 });
    await session.workbench.expandTreeRow(cluster);
    const dialog = session.workbench.page.locator('.monaco-dialog-box', { hasText: /This workspace wants to connect to/ }).first();
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    return dialog;
  }

  it('asks before using a cluster only the workspace names, and sends nothing when the user says no', async () => {
    const dialog = await expandWorkspaceCluster();
    const text = await dialog.innerText();
    const clusterHost = new URL(session.stack.kusto.url).host;
    assert.match(text, new RegExp(`This workspace wants to connect to ${clusterHost.replace(/[.]/g, '\\.')}`));
    assert.match(text, new RegExp(`tenant ${WORKSPACE_TENANT.replace(/[.]/g, '\\.')}`), 'the dialog names the tenant the workspace asks for');
    const shot = await session.workbench.screenshot('workspace cluster confirmation');
    console.log(`      confirmation screenshot: ${shot}`);
    await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    // The explorer says why it shows nothing (the error row of the cluster).
    await session.workbench.waitForTreeRow('Explorer', /did not allow connecting to it/, { level: 2, timeoutMs: 30_000 });
    assert.deepEqual(session.stack.signIn.pendingDeviceCodes(), [], 'no sign-in was started');
    assert.equal(session.stack.kusto.requests.filter((r) => r.path !== '/v1/rest/auth/metadata').length, 0, 'the cluster heard nothing');
    await session.workbench.screenshot('workspace cluster refused');
  });

  it('after a yes, signs in at the authority of the user\'s settings (not the workspace\'s) and shows the cluster', async () => {
    // A refusal holds for the window: reload to be asked again.
    await session.workbench.clearNotifications();
    await Promise.all([session.workbench.page.waitForEvent('load', { timeout: 60_000 }), session.workbench.runCommand('Developer: Reload Window')]);
    await session.workbench.waitUntilReady();
    const dialog = await expandWorkspaceCluster();
    await dialog.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    // Allowed; nobody is signed in yet: the explorer offers to sign in, and signing in asks nothing more.
    const signInRow = await session.workbench.waitForTreeRow('Explorer', /sign in/i, { level: 2, timeoutMs: 30_000 });
    await signInRow.click();

    const codeDialog = session.workbench.page.locator('.monaco-dialog-box', { hasText: /with the code/ }).first();
    await codeDialog.waitFor({ state: 'visible', timeout: 60_000 });
    const message = await codeDialog.innerText();
    assert.ok(message.includes(`${session.stack.signIn.origin}/devicelogin`), `the code goes to the user's sign-in server: ${message}`);
    assert.ok(!message.includes('evil.example'), 'never to the authority the workspace named');
    await session.workbench.screenshot('device code after allowing the workspace cluster');
    const userCode = /code\s+([A-Z0-9-]{6,})/i.exec(message)?.[1];
    assert.ok(userCode, message);
    // Go on as a person would ("Copy code & open browser"; VS Code may ask about opening the external page: no).
    await copyCodeAndDeclineExternalPage(session.workbench);
    const pending = session.stack.signIn.pendingDeviceCodes().find((grant) => grant.userCode.replace(/-/g, '') === userCode.replace(/-/g, ''));
    assert.ok(pending, `the code shown (${userCode}) is one the user's sign-in server issued`);
    session.stack.signIn.approveDeviceCode(pending.userCode, USER_UPN);

    // Allowed once: the schema loads with the token, with no second question.
    await session.workbench.waitForTreeRow('Explorer', /^Samples$/, { level: 2, timeoutMs: 60_000 });
    assert.equal(await session.workbench.page.locator('.monaco-dialog-box', { hasText: /This workspace wants/ }).count(), 0);
    assert.ok(session.stack.kusto.requests.some((r) => r.path === '/v1/rest/mgmt'), 'the cluster was asked for its schema');
    await session.workbench.screenshot('workspace cluster allowed and loaded');
  });

  it('with 90-second tokens (Conditional Access), explorer refreshes right after a token refresh cost no further grant', async () => {
    const grants = (): number => (readFileSync(session.serverLogPath, 'utf8').match(/grant_type=refresh_token -> 200/g) ?? []).length;
    session.stack.signIn.setAccessTokenLifetime(90);
    try {
      const before = grants();
      // The status bar entry refreshes the token now: one grant, for a token that lives 90 seconds.
      const entry = session.workbench.page.locator('.part.statusbar .statusbar-item', { hasText: /Kusto: alice/ }).first();
      await entry.click();
      await waitFor(async () => /Kusto: alice · (1m|<1m)/.test(await entry.innerText()), 30_000, 'the status bar to show the 90-second token');
      assert.equal(grants() - before, 1);
      // Half a minute on, the token has 60 s left: inside MSAL's 5-minute renewal rule, outside ours (a third of
      // 90 s). Each refresh of the cluster asks for a token again; the token serves them all until it is due.
      const refreshedAt = Date.now();
      await session.workbench.page.waitForTimeout(32_000); // the scenario is about time passing

      const cluster = await session.workbench.waitForTreeRow('Explorer', new RegExp(`^${CLUSTER_NAME}$`), { level: 1 });
      for (let i = 0; i < 3; i++) {
        await session.workbench.clickInlineAction(cluster, 'Refresh');
        await session.workbench.waitForTreeRow('Explorer', /^Samples$/, { level: 2, timeoutMs: 30_000 });
      }
      await session.workbench.page.mouse.move(700, 400);
      await session.workbench.screenshot('90-second token after three explorer refreshes');
      assert.ok(Date.now() - refreshedAt < 60_000, 'the refreshes ran before the token was due');
      assert.equal(grants() - before, 1, 'no further grant: neither MSAL\'s 5-minute rule nor a second renewal of a token just renewed');
    } finally {
      session.stack.signIn.setAccessTokenLifetime(3_600);
    }
  });
});
