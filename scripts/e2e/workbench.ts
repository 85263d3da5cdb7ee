// Drives the VS Code workbench in Chromium the way a person does: command palette, activity bar, tree rows,
// notifications, status bar and webviews, found by what is on screen (roles, aria labels, text).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { codeServerPasswordFor } from './codeServer';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}

/** The browser's getComputedStyle, for functions run in the page (this project compiles without the DOM library). */
export interface BrowserStyles {
  getComputedStyle(element: unknown): { readonly [property: string]: string } & { getPropertyValue(name: string): string };
}

export interface TreeRow {
  readonly label: string;
  readonly level: number;
  /** undefined for a leaf. */
  readonly expanded: boolean | undefined;
}

export class Workbench {
  private screenshotCount = 0;

  constructor(
    readonly page: Page,
    readonly screenshotDir: string,
  ) {
    mkdirSync(screenshotDir, { recursive: true });
  }

  static async open(browser: Browser, workbenchUrl: string, screenshotDir: string): Promise<Workbench> {
    // The local sign-in server's certificate is self-signed; a person would accept it for the device-login page.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const workbench = new Workbench(page, screenshotDir);
    await page.goto(workbenchUrl);
    const password = codeServerPasswordFor(new URL(workbenchUrl).origin);
    if (password && new URL(page.url()).pathname.endsWith('/login')) {
      // code-server runs with a random password (scripts/e2e/codeServer.ts): log in as a person would.
      await page.locator('input[name="password"]').fill(password);
      await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/login'), { timeout: 30_000 }), page.keyboard.press('Enter')]);
    }
    await workbench.waitUntilReady();
    return workbench;
  }

  async waitUntilReady(timeoutMs = 90_000): Promise<void> {
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Saves a numbered screenshot and returns its path. */
  async screenshot(step: string): Promise<string> {
    this.screenshotCount += 1;
    const safe = step.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    const file = join(this.screenshotDir, `${String(this.screenshotCount).padStart(2, '0')}-${safe}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command through the command palette by its "Category: Title", as a person types it. */
  async runCommand(title: string): Promise<void> {
    await this.dismissQuickInput();
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    await rows.filter({ hasText: title }).first().waitFor({ state: 'visible', timeout: 15_000 });
    // The palette may rank another command first (a recently used one whose title also matches, e.g. "Preferences:
    // Browse Color Themes in Marketplace" for "Preferences: Color Theme"): run the row titled exactly `title`.
    if (!(await this.clickQuickPickRowLabelled(title))) {
      await this.page.keyboard.press('Enter');
    }
  }

  /** Clicks the open quick pick's row whose label is exactly `label` (its aria-label is the label, then ", details"). */
  private async clickQuickPickRowLabelled(label: string): Promise<boolean> {
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    const labels = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('aria-label') ?? ''));
    const index = labels.findIndex((text) => text === label || text.startsWith(`${label},`));
    if (index < 0) {
      return false;
    }
    await rows.nth(index).click();
    return true;
  }

  /** Picks a color theme through "Preferences: Color Theme" by its label (e.g. "Dark 2026"), as a person does. */
  async pickColorTheme(label: string): Promise<void> {
    await this.runCommand('Preferences: Color Theme');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    // The theme picker filters the installed themes as you type (only "Browse Additional Color Themes…" searches
    // a marketplace, and it is never chosen here).
    await input.fill(label);
    await waitFor(() => this.clickQuickPickRowLabelled(label), 10_000, `the theme "${label}" in the theme picker`);
    await waitFor(
      async () =>
        !(await this.page.locator('.quick-input-widget').isVisible()) &&
        (await this.page.locator('.monaco-workbench').getAttribute('class'))?.includes(themeClassFragment(label)) === true,
      15_000,
      `the "${label}" color theme to apply`,
    );
  }

  /** Hovers a status bar entry and returns the text of the hover it shows (its tooltip as rendered). */
  async statusBarHover(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const item = this.page.locator('.part.statusbar .statusbar-item').filter({ hasText: pattern }).first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    // Move away first: a hover already open for another entry would stay.
    await this.page.mouse.move(1, 1);
    await item.hover();
    const hover = this.page.locator('.workbench-hover').first();
    await hover.waitFor({ state: 'visible', timeout: timeoutMs });
    // It fades in: wait until it is fully drawn so a screenshot shows it.
    await waitFor(async () => (await hover.evaluate((element) => (globalThis as unknown as BrowserStyles).getComputedStyle(element).opacity)) === '1', 5_000, 'the hover to fade in');
    return hover.innerText();
  }

  /**
   * Answers a save dialog with a path. In a web window that is VS Code's simple file dialog: a quick input
   * holding the suggested path, where a person types the full path and presses Enter.
   */
  async answerSaveDialog(path: string, timeoutMs = 15_000): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    await input.fill(path);
    await waitFor(async () => (await input.inputValue()) === path, 5_000, 'the save dialog to show the typed path');
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** The open quick pick's row matching `label`, if a quick pick is open and shows one. */
  quickPickRow(label: RegExp): Locator {
    return this.page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: label }).first();
  }

  /**
   * Waits until a quick input is open and done animating: the command palette closing and an extension's quick
   * pick opening share one widget, and a screenshot taken during the animation shows neither.
   */
  async waitForQuickInputOpen(timeoutMs = 15_000): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    await waitFor(
      async () =>
        (await widget.isVisible()) &&
        (await widget.evaluate(
          (element) =>
            !element.classList.contains('quick-input-widget-closing') &&
            (element as unknown as { getAnimations(options: { subtree: boolean }): { playState: string }[] })
              .getAnimations({ subtree: true })
              .every((animation) => animation.playState !== 'running'),
        )),
      timeoutMs,
      'a quick input to finish opening',
    );
  }

  async dismissQuickInput(): Promise<void> {
    if (await this.page.locator('.quick-input-widget').isVisible()) {
      await this.page.keyboard.press('Escape');
    }
  }

  /** Opens a view container from the activity bar by its title (e.g. "Kusto"). */
  async openViewContainer(title: string): Promise<void> {
    const item = this.page.locator(`.part.activitybar .action-item a[aria-label^="${title}"]`).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    // Clicking the icon of the container already shown closes the side bar, and after a reload the side bar may
    // be restored a moment later: click only while it is not shown, and check again after each click.
    const shownTitle = this.page.locator('.part.sidebar .composite.title h2', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') });
    for (let attempt = 0; attempt < 4; attempt++) {
      if (await shownTitle.isVisible().catch(() => false)) {
        return;
      }
      if (attempt > 0 || !(await shownTitle.waitFor({ state: 'visible', timeout: 1_000 }).then(() => true, () => false))) {
        await item.click();
      }
      await shownTitle.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
    }
    await shownTitle.waitFor({ state: 'visible', timeout: 5_000 });
  }

  /** The side bar pane (view) whose header title is `title`, e.g. "Explorer" or "Accounts". */
  view(title: string): Locator {
    return this.page
      .locator('.part.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') }) });
  }

  async expandView(title: string): Promise<void> {
    const header = this.view(title).locator('.pane-header').first();
    await header.waitFor({ state: 'visible', timeout: 30_000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') {
      await header.click();
    }
  }

  async treeRows(viewTitle: string): Promise<TreeRow[]> {
    return this.view(viewTitle)
      .locator('.monaco-list-row')
      .evaluateAll((rows) =>
        rows.map((row) => {
          const expanded = row.getAttribute('aria-expanded');
          return {
            label: row.getAttribute('aria-label') ?? row.textContent ?? '',
            level: Number(row.getAttribute('aria-level') ?? '0'),
            expanded: expanded === null ? undefined : expanded === 'true',
          };
        }),
      );
  }

  treeRow(viewTitle: string, label: RegExp, level?: number): Locator {
    const rows = this.view(viewTitle).locator(level === undefined ? '.monaco-list-row' : `.monaco-list-row[aria-level="${level}"]`);
    return rows.filter({ has: this.page.locator('.monaco-highlighted-label, .label-name', { hasText: label }) }).first();
  }

  /** Waits until a row whose label matches shows up; returns it. */
  async waitForTreeRow(viewTitle: string, label: RegExp, options: { level?: number; timeoutMs?: number } = {}): Promise<Locator> {
    const row = this.treeRow(viewTitle, label, options.level);
    await row.waitFor({ state: 'visible', timeout: options.timeoutMs ?? 30_000 });
    return row;
  }

  async expandTreeRow(row: Locator): Promise<void> {
    // Pin the row by its label and level: a positional locator (".first()" of collapsed rows) would move on to the
    // next row once this one expands.
    const label = (await row.getAttribute('aria-label')) ?? '';
    const level = (await row.getAttribute('aria-level')) ?? '';
    const pinned = this.page.locator(`.part.sidebar .monaco-list-row[aria-level="${level}"][aria-label="${cssString(label)}"]`).first();
    if ((await pinned.getAttribute('aria-expanded')) !== 'true') {
      await pinned.locator('.monaco-tl-twistie').click();
    }
    await waitFor(async () => (await pinned.getAttribute('aria-expanded')) === 'true', 15_000, `the tree row "${label}" to expand`);
  }

  /** Clicks one of a row's inline action buttons (shown on hover), e.g. "Query First 100 Rows". */
  async clickInlineAction(row: Locator, actionTitle: string): Promise<void> {
    await row.hover();
    const action = row.locator(`.actions .action-label[aria-label^="${actionTitle}"]`).first();
    await action.waitFor({ state: 'visible', timeout: 10_000 });
    await action.click();
  }

  /** Runs a context-menu entry of a row. */
  async clickContextMenu(row: Locator, entry: string): Promise<void> {
    await row.click({ button: 'right' });
    const item = this.page.locator('.monaco-menu .action-item .action-label', { hasText: entry }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await item.click();
  }

  /** Texts of the notification toasts on screen. */
  async notificationTexts(): Promise<string[]> {
    return this.page
      .locator('.notifications-toasts .notification-list-item')
      .evaluateAll((items) => items.map((item) => (item as unknown as { innerText: string }).innerText || item.getAttribute('aria-label') || ''));
  }

  async waitForNotification(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    let found: string | undefined;
    await waitFor(
      async () => {
        found = (await this.notificationTexts()).find((text) => pattern.test(text));
        return found !== undefined;
      },
      timeoutMs,
      `a notification matching ${pattern}`,
    );
    return found ?? '';
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
    await this.page.keyboard.press('Escape');
  }

  /** Texts (and aria labels) of the status bar entries. */
  async statusBarTexts(): Promise<string[]> {
    return this.page
      .locator('.part.statusbar .statusbar-item')
      .evaluateAll((items) =>
        items
          .map((item) => `${(item as unknown as { innerText: string }).innerText.trim()} | ${item.getAttribute('aria-label') ?? ''}`)
          .filter((text) => text !== ' | '),
      );
  }

  async waitForStatusBar(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    let found: string | undefined;
    await waitFor(
      async () => {
        found = (await this.statusBarTexts()).find((text) => pattern.test(text));
        return found !== undefined;
      },
      timeoutMs,
      `a status bar entry matching ${pattern}`,
    );
    return found ?? '';
  }

  /** Opens a workspace file through Quick Open, as a person types its name. */
  async openFile(name: string): Promise<void> {
    await this.dismissQuickInput();
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(name);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().waitFor({ timeout: 15_000 });
  }

  /** Replaces the active editor's text by typing it (as a person would, so language features see real edits). */
  async replaceEditorText(text: string): Promise<void> {
    const editor = this.page.locator('.editor-instance .monaco-editor').first();
    await editor.click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    for (const [index, line] of text.split('\n').entries()) {
      if (index > 0) {
        // Escape first: Enter would otherwise accept a completion the language service offers for what was typed.
        await this.page.keyboard.press('Escape');
        // Enter then Home: auto-indent must not change what was typed.
        await this.page.keyboard.press('Enter');
        await this.page.keyboard.press('Shift+Home');
        await this.page.keyboard.press('Delete');
      }
      await this.page.keyboard.insertText(line);
    }
    // No completion list left open over the results panel.
    await this.page.keyboard.press('Escape');
  }

  /**
   * Closes the editor's completion list if one is showing: the language service may answer a completion after the
   * typing ended, and its list then lies over whatever sits beside the editor (the results panel).
   */
  async closeSuggestions(): Promise<void> {
    const widget = this.page.locator('.editor-widget.suggest-widget.visible');
    if ((await widget.count()) === 0) return;
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Escape');
    await widget.first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
  }

  /** The document of a webview whose body text matches `pattern` (the frame named active-frame). */
  async waitForWebview(pattern: RegExp, timeoutMs = 30_000): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(
      async () => {
        for (const frame of this.webviewContentFrames()) {
          const text = await frame
            .locator('body')
            .innerText({ timeout: 1_000 })
            .catch(() => '');
          if (pattern.test(text)) {
            found = frame;
            return true;
          }
        }
        return false;
      },
      timeoutMs,
      `a webview showing ${pattern}`,
    );
    if (!found) {
      throw new Error(`No webview shows ${pattern}`);
    }
    // A completion list answered after the typing ended would lie over the results the caller is about to use.
    await this.closeSuggestions();
    return found;
  }

  async webviewTexts(): Promise<string[]> {
    const texts: string[] = [];
    for (const frame of this.webviewContentFrames()) {
      texts.push(await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => ''));
    }
    return texts;
  }

  /**
   * Each webview is an iframe (pre/index.html) holding the extension's document in an inner frame with the id
   * active-frame, or pending-frame while it loads; code-server keeps the name the frame was created with.
   */
  webviewContentFrames(): Frame[] {
    return this.page.frames().filter((frame) => {
      const parentUrl = frame.parentFrame()?.url() ?? '';
      return frame.name() === 'active-frame' || frame.name() === 'pending-frame' || parentUrl.includes('/webview/browser/pre/index.html');
    });
  }
}

/** Polls `condition` until it is true; the error names what was awaited. */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) {
        return;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 250));
  }
}

/** The part of the workbench's class list that names a built-in theme, e.g. "Dark 2026" → "2026-dark". */
function themeClassFragment(label: string): string {
  const builtIn: Record<string, string> = {
    'Light 2026': '2026-light',
    'Dark 2026': '2026-dark',
    'Dark Modern': 'dark_modern',
    'Light Modern': 'light_modern',
    'Dark High Contrast': 'hc_black',
    'Light High Contrast': 'hc_light',
  };
  return builtIn[label] ?? '';
}

/** Escapes a value for a double-quoted CSS attribute selector. */
function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
