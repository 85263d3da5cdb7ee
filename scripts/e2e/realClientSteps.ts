// Steps shared by test/e2e/realClient.test.ts and scripts/benchExplorer.ts: explorer timings measured inside the
// page (click to rows on screen), so the figures do not include the driver's round trips.
import type { Locator } from 'playwright-core';
import type { Workbench } from './workbench';

/** The page's MutationObserver (this project compiles without the DOM library). */
interface PageObserver {
  observe(target: unknown, options: Record<string, unknown>): void;
  disconnect(): void;
}
type PageObserverConstructor = new (callback: () => void) => PageObserver;

/**
 * Clicks the twistie of `row` and returns the milliseconds until a row of `childLevel` whose label matches
 * `childLabel` is on screen, measured in the page.
 */
export async function timeExpandToRows(row: Locator, childLevel: number, childLabel: RegExp): Promise<number> {
  if ((await row.getAttribute('aria-expanded')) === 'true') {
    // Measure a real expand: collapse first, and let the tree settle.
    await row.locator('.monaco-tl-twistie').click();
    await row.page().waitForTimeout(500);
  }
  return row.evaluate(
    (element, { level, source, flags }) =>
      new Promise<number>((resolve, reject) => {
        const pattern = new RegExp(source, flags);
        const tree = element.closest('.monaco-list') ?? element.ownerDocument.body;
        const found = (): boolean =>
          [...tree.querySelectorAll(`.monaco-list-row[aria-level="${level}"]`)].some((candidate) => pattern.test(candidate.getAttribute('aria-label') ?? ''));
        const started = performance.now();
        const observer = new (globalThis as unknown as { MutationObserver: PageObserverConstructor }).MutationObserver(() => {
          if (found()) {
            observer.disconnect();
            clearTimeout(timer);
            resolve(performance.now() - started);
          }
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`no row of level ${level} matching ${pattern} within 30 s`));
        }, 30_000);
        observer.observe(tree, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label'] });
        (element.querySelector('.monaco-tl-twistie') as { click(): void } | null)?.click();
      }),
    { level: childLevel, source: childLabel.source, flags: childLabel.flags },
  );
}

/**
 * Runs "Filter Explorer by Name", types `text` and returns the milliseconds from its last keystroke until rows of
 * `level` are on screen and all match `label` (measured in the page; the filter answers as the user types), then
 * presses Enter to keep the filter.
 */
export async function timeFilter(workbench: Workbench, text: string, level: number, label: RegExp): Promise<number> {
  await workbench.runCommand('Kusto: Filter Explorer by Name');
  await workbench.waitForQuickInputOpen();
  const input = workbench.page.locator('.quick-input-widget input').first();
  await input.fill(text.slice(0, -1));
  await workbench.page.waitForTimeout(1000);
  const tree = workbench.view('Explorer').locator('.monaco-list').first();
  // Installed (and awaited) before the keystroke, so that the keystroke cannot come first.
  await tree.evaluate(
    (element, { level: rowLevel, source, flags, lastKey }) => {
      (globalThis as unknown as { kustoFilterTiming: Promise<number> }).kustoFilterTiming = new Promise<number>((resolve, reject) => {
        const pattern = new RegExp(source, flags);
        let started = -1;
        const settled = (): boolean => {
          const rows = [...element.querySelectorAll(`.monaco-list-row[aria-level="${rowLevel}"]`)].map((row) => row.getAttribute('aria-label') ?? '');
          return rows.length > 0 && rows.every((candidate) => pattern.test(candidate));
        };
        const keyListener = (event: { key: string }): void => {
          if (event.key === lastKey && started < 0) started = performance.now();
        };
        element.ownerDocument.addEventListener('keydown', keyListener, true);
        const observer = new (globalThis as unknown as { MutationObserver: PageObserverConstructor }).MutationObserver(() => {
          if (started >= 0 && settled()) {
            observer.disconnect();
            clearTimeout(timer);
            element.ownerDocument.removeEventListener('keydown', keyListener, true);
            resolve(performance.now() - started);
          }
        });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`the filter did not leave only rows matching ${pattern} within 30 s`));
        }, 30_000);
        observer.observe(element, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label'] });
      });
    },
    { level, source: label.source, flags: label.flags, lastKey: text.slice(-1) },
  );
  await workbench.page.keyboard.press(text.slice(-1));
  const elapsed = await workbench.page.evaluate(() => (globalThis as unknown as { kustoFilterTiming: Promise<number> }).kustoFilterTiming);
  await workbench.page.keyboard.press('Enter');
  return elapsed;
}
