// End to end, the KQL editor's language features as a person uses them: the packaged .vsix in code-server, signed
// in to the local Kusto server, typing in a .kql editor. Completion offers the table's columns, a misspelled column
// is underlined before anything runs, a column hovers with its type, Format Document reflows a block, and switching
// the editor's database switches what completes. Screenshots are saved for each step.
import * as assert from 'node:assert/strict';
import { COMPLETION_AS_YOU_TYPE_SETTINGS } from '../../scripts/e2e/codeServer';
import { localClusterSettings, useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { escapeRegExp } from '../../scripts/e2e/querySteps';
import { waitFor, type Workbench } from '../../scripts/e2e/workbench';

const FILE = 'language.kql';

describe('KQL language features in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({
    screenshotFolder: 'e2e-language',
    settings: (stack) => ({ ...localClusterSettings(stack), ...COMPLETION_AS_YOU_TYPE_SETTINGS }),
    workspaceFiles: { [FILE]: '// KQL language features\n' },
    setupTimeoutMs: 300_000,
    // Opening a .kql file activates the extension (and starts the language worker) before anyone signs in.
    prepare: ({ workbench }) => workbench.openFile(FILE),
    signIn: true,
  });

  it("offers StormEvents' columns after `StormEvents | where `", async () => {
    await session.workbench.openFile(FILE);
    await session.workbench.replaceEditorText('StormEvents |');
    // Typed key by key: the space after `where` is what opens the list, as it does for a person.
    await session.workbench.page.keyboard.type(' where ', { delay: 40 });
    // The list shows the table's columns first (the service's ranking), then functions.
    const labels = await suggestionLabels(session.workbench, /BeginLat/, 60_000);
    for (const column of ['BeginLat', 'BeginLocation', 'DamageProperty']) {
      assert.ok(labels.some((label) => label.startsWith(column)), `${column} is offered: ${labels.join(', ')}`);
    }
    await session.workbench.screenshot('columns offered after where');
    // Typing narrows the list to the columns that match.
    await session.workbench.page.keyboard.type('Sta', { delay: 40 });
    const narrowed = await suggestionLabels(session.workbench, /^State/, 30_000);
    assert.ok(narrowed.some((label) => label.startsWith('StartTime')), `StartTime is offered: ${narrowed.join(', ')}`);
    await session.workbench.screenshot('columns narrowed by typing');
    await session.workbench.page.keyboard.press('Escape');
  });

  it('underlines a misspelled column before the query is run, with the service message on hover', async () => {
    await session.workbench.replaceEditorText('StormEvents\n| where Stat == "TEXAS"\n| take 10');
    const squiggle = session.workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').first();
    await squiggle.waitFor({ state: 'attached', timeout: 60_000 });
    await placeCaret(session.workbench, 1, 9);
    await session.workbench.runCommand('Show or Focus Hover');
    const hover = session.workbench.page.locator('.monaco-hover').filter({ hasText: /does not refer/ }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(normalized(await hover.innerText()), /The name 'Stat' does not refer to any known column/);
    await hoverSettled(session.workbench);
    await session.workbench.screenshot('misspelled column underlined');
    assert.equal(await session.workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').count(), 1, 'only the misspelled name is underlined');
  });

  it('hovers a column with its type and doc string', async () => {
    await session.workbench.page.keyboard.press('Escape');
    await session.workbench.replaceEditorText('StormEvents\n| where State == "TEXAS"\n| take 10');
    await waitFor(async () => (await session.workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').count()) === 0, 30_000, 'the squiggle to go');
    await placeCaret(session.workbench, 1, 10);
    await session.workbench.runCommand('Show or Focus Hover');
    const hover = session.workbench.page.locator('.monaco-hover').filter({ hasText: /State: string/ }).first();
    await hover.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(normalized(await hover.innerText()), /The state the storm event occurred in/);
    await hoverSettled(session.workbench);
    await session.workbench.screenshot('column hover');
    await session.workbench.page.keyboard.press('Escape');
  });

  it('formats a block with Format Document', async () => {
    await session.workbench.replaceEditorText('StormEvents | where State == "TEXAS" | summarize Storms = count() by EventType | top 3 by Storms');
    await session.workbench.runCommand('Format Document');
    const text = await editorText(session.workbench, /\n\| summarize/);
    assert.match(text, /^StormEvents\n\| where State == "TEXAS"\n\| summarize Storms = count\(\) by EventType\n\| top 3 by Storms/);
    await session.workbench.screenshot('formatted block');
  });

  it("completes from the new database after switching the editor's connection", async () => {
    await session.workbench.replaceEditorText('');
    await session.workbench.page.keyboard.press('Control+Space');
    const before = await suggestionLabels(session.workbench, /StormEvents/, 30_000);
    assert.ok(!before.some((label) => label.startsWith('Products')), 'ContosoSales tables are not offered on Samples');
    await session.workbench.page.keyboard.press('Escape');

    await session.workbench.runCommand('Kusto: Choose Connection for Editor');
    await session.workbench.quickPickRow(new RegExp(escapeRegExp(new URL(session.stack.kusto.url).host))).click();
    await session.workbench.quickPickRow(/^ContosoSales/).click();
    await session.workbench.waitForStatusBar(/ContosoSales/, 30_000);

    await session.workbench.page.locator('.editor-instance .monaco-editor').first().click();
    await session.workbench.page.keyboard.type('Products | where ', { delay: 40 });
    const after = await suggestionLabels(session.workbench, /ProductName/, 60_000);
    assert.ok(after.some((label) => label.startsWith('UnitPrice')), `Products' columns: ${after.join(', ')}`);
    await session.workbench.screenshot('completion after switching database');
    await session.workbench.page.keyboard.press('Escape');
    // and the query that was fine on ContosoSales is checked against it: StormEvents is not there
    await session.workbench.replaceEditorText('StormEvents | take 1');
    await session.workbench.page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 60_000 });
    await session.workbench.screenshot('StormEvents unknown on ContosoSales');
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
