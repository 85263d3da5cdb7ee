// End to end, semantic colouring from the language service in a real VS Code (the packaged .vsix in code-server):
// once the connection's schema is there, VS Code's own token inspector shows a table name as a `class` token and a
// column as a `property` token, which the theme colours apart (the TextMate grammar alone cannot tell them apart).
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, listLogFiles, locateTools, readLogFiles, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';

type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

const FILE = 'colours.kql';

describe('KQL semantic colouring in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-semantic-tokens', new Date().toISOString().replace(/[:.]/g, '-'));
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
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: 'local', defaultDatabase: 'Samples' }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { [FILE]: 'StormEvents | where State == "TEXAS" | take 10\n' },
    });
    browser = await launchChromium(tools.chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
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

  it('shows a table as a class token and a column as a property token once the schema is there', async () => {
    await workbench.openFile(FILE);
    const table = await inspectTokenAt(workbench, 2, /semantic token type\s*class/, 90_000);
    assert.match(table, /StormEvents/);
    await workbench.screenshot('StormEvents inspected as a class token');
    await workbench.page.keyboard.press('Escape');
    const column = await inspectTokenAt(workbench, 'StormEvents | where St'.length, /semantic token type\s*property/, 30_000);
    assert.match(column, /State/);
    await workbench.screenshot('State inspected as a property token');
    await workbench.page.keyboard.press('Escape');
  });
});

/** Runs Developer: Inspect Editor Tokens and Scopes with the caret at `character` of line 1 until its widget matches. */
async function inspectTokenAt(workbench: Workbench, character: number, expected: RegExp, timeoutMs: number): Promise<string> {
  let text = '';
  await waitFor(
    async () => {
      await workbench.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await workbench.page.keyboard.press('Control+Home');
      for (let i = 0; i < character; i++) {
        await workbench.page.keyboard.press('ArrowRight');
      }
      await workbench.runCommand('Developer: Inspect Editor Tokens and Scopes');
      const widget = workbench.page.locator('.token-inspect-widget').first();
      await widget.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
      text = ((await widget.innerText().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
      if (expected.test(text)) {
        return true;
      }
      await workbench.page.keyboard.press('Escape');
      await workbench.page.waitForTimeout(1_000);
      return false;
    },
    timeoutMs,
    `the token inspector to show ${expected}`,
  );
  return text;
}
