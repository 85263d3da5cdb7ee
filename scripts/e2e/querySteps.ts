// Steps the end-to-end suites repeat around a query: run it from a .kql editor as a person does, read what the
// results page says.
import type { Frame } from 'playwright-core';
import { waitFor, type Workbench } from './workbench';

/** Opens `file` (Quick Open), types `query` as its whole text and runs it with Shift+Enter. */
export async function runQueryInEditor(workbench: Workbench, query: string, file = 'queries.kql'): Promise<void> {
  await workbench.openFile(file);
  await workbench.replaceEditorText(query);
  await workbench.page.keyboard.press('Shift+Enter');
}

/** The text of a webview's page, or '' while it cannot be read. */
export async function bodyText(frame: Frame): Promise<string> {
  return frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
}

/** `text` as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until the results panel or a notification shows text matching `pattern` (where a message lands may vary). */
export async function waitForPanelOrNotification(workbench: Workbench, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  await waitFor(async () => [...(await workbench.webviewTexts()), ...(await workbench.notificationTexts())].some((text) => pattern.test(text)), timeoutMs, what);
}
