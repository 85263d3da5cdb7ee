// End to end, semantic colouring from the language service in a real VS Code (the packaged .vsix in code-server):
// once the connection's schema is there, VS Code's own token inspector shows a table name as a `class` token and a
// column as a `property` token, which the theme colours apart (the TextMate grammar alone cannot tell them apart).
import * as assert from 'node:assert/strict';
import { useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { waitFor, type Workbench } from '../../scripts/e2e/workbench';

const FILE = 'colours.kql';

describe('KQL semantic colouring in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({
    screenshotFolder: 'e2e-semantic-tokens',
    workspaceFiles: { [FILE]: 'StormEvents | where State == "TEXAS" | take 10\n' },
    setupTimeoutMs: 300_000,
    prepare: ({ workbench }) => workbench.openFile(FILE),
    signIn: true,
  });

  it('shows a table as a class token and a column as a property token once the schema is there', async () => {
    await session.workbench.openFile(FILE);
    const table = await inspectTokenAt(session.workbench, 2, /semantic token type\s*class/, 90_000);
    assert.match(table, /StormEvents/);
    await session.workbench.screenshot('StormEvents inspected as a class token');
    await session.workbench.page.keyboard.press('Escape');
    const column = await inspectTokenAt(session.workbench, 'StormEvents | where St'.length, /semantic token type\s*property/, 30_000);
    assert.match(column, /State/);
    await session.workbench.screenshot('State inspected as a property token');
    await session.workbench.page.keyboard.press('Escape');
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
