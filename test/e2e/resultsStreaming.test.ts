// End to end: a large result shows its first rows while the rest still streams in, in a real VS Code
// (code-server), the packaged .vsix, the local sign-in and Kusto servers (the Kusto server trickles the body:
// slowBody fault). The panel opens with the rows received so far and a live count, then settles in place to the
// whole result; a second run is cancelled half way and keeps the rows it showed. Screenshots in the folder printed.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { runQueryInEditor } from '../../scripts/e2e/querySteps';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { waitFor } from '../../scripts/e2e/workbench';

describe('Large results stream into the results panel in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({ screenshotFolder: 'e2e-streaming', workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL } });

  it('signs in with a device code', async () => {
    await session.workbench.openViewContainer('Kusto');
    await signInWithDeviceCode(session.workbench, session.stack);
  });

  const QUERY = 'StormEventsLarge | take 20000';

  /** The results page's toolbar count and the first grid row's cells, or undefined while no results page shows. */
  async function readPanel(): Promise<{ frame: Frame; count: string; firstRow: string; header: string } | undefined> {
    for (const frame of session.workbench.webviewContentFrames()) {
      const count = await frame.locator('.row-count').first().innerText({ timeout: 500 }).catch(() => '');
      if (!count) continue;
      const firstRow = await frame.locator('.grid-row').first().innerText({ timeout: 500 }).catch(() => '');
      const header = await frame.locator('.results-header').first().innerText({ timeout: 500 }).catch(() => '');
      return { frame, count, firstRow, header };
    }
    return undefined;
  }

  const countOf = (text: string): number => Number(/([\d,]+) rows/.exec(text)?.[1].replace(/,/g, '') ?? NaN);

  async function startSlowRun(): Promise<void> {
    session.stack.kusto.injectFault({ kind: 'slowBody', pauseMs: 100, match: 'StormEventsLarge' });
    await runQueryInEditor(session.workbench, QUERY);
  }

  /** Waits until the panel shows rows while it still receives, and returns what it showed. */
  async function waitForStreamingRows(): Promise<{ frame: Frame; count: number; firstRow: string }> {
    let seen: { frame: Frame; count: string; firstRow: string } | undefined;
    await waitFor(
      async () => {
        seen = await readPanel();
        return seen !== undefined && /rows so far · receiving/.test(seen.count) && seen.firstRow.trim().length > 0;
      },
      90_000,
      'the results panel to show rows while they still arrive',
    );
    return { frame: seen!.frame, count: countOf(seen!.count), firstRow: seen!.firstRow };
  }

  it('shows the first rows and a live count before the result is complete, then settles in place', async () => {
    const startedAt = Date.now();
    await startSlowRun();
    const first = await waitForStreamingRows();
    const firstRowsAfterMs = Date.now() - startedAt;
    await session.workbench.closeSuggestions();
    await session.workbench.page.mouse.move(1, 1);
    console.log(`      screenshot: ${await session.workbench.screenshot('first rows while streaming')}`);
    assert.ok(first.count > 0 && first.count < 20000, `a part of the rows (${first.count})`);
    assert.ok(/StartTime/.test((await readPanel())!.header + (await first.frame.locator('.grid-header').innerText())), 'the columns are shown');
    assert.ok(await first.frame.locator('.toolbar vscode-text-field[disabled]').count() === 1, 'filter waits for the whole result');

    // The count grows while the rest arrives.
    let later = first.count;
    await waitFor(
      async () => {
        const panel = await readPanel();
        later = panel && /receiving/.test(panel.count) ? countOf(panel.count) : later;
        return later > first.count;
      },
      60_000,
      'the live row count to grow',
    );
    console.log(`      screenshot: ${await session.workbench.screenshot('live count grows')}`);

    let settled: { count: string; firstRow: string } | undefined;
    await waitFor(
      async () => {
        settled = await readPanel();
        return settled !== undefined && /^20,000 rows$/.test(settled.count.trim());
      },
      120_000,
      'the result to settle at 20,000 rows',
    );
    const lastRowAfterMs = Date.now() - startedAt;
    console.log(`      first rows after ${firstRowsAfterMs} ms, all 20,000 rows after ${lastRowAfterMs} ms (${first.count} rows first, then ${later})`);
    assert.equal(settled!.firstRow, first.firstRow, 'the first row shown while streaming is the first row of the result');
    assert.ok(firstRowsAfterMs < lastRowAfterMs / 2, 'the first rows came well before the last');
    const frame = first.frame;
    assert.equal(await frame.locator('.toolbar vscode-text-field[disabled]').count(), 0, 'filter available once complete');
    assert.ok(/Rows\s*20,000/.test(await frame.locator('.results-header').innerText()), 'the header counts the whole result');
    console.log(`      screenshot: ${await session.workbench.screenshot('settled result')}`);
  });

  it('a cancel half way keeps the rows already shown', async () => {
    await startSlowRun();
    const streaming = await waitForStreamingRows();
    await streaming.frame.locator('.toolbar .cancel-button').click();
    let kept: { count: string; firstRow: string; header: string } | undefined;
    await waitFor(
      async () => {
        kept = await readPanel();
        const text = kept ? await streaming.frame.locator('body').innerText({ timeout: 500 }).catch(() => '') : '';
        return kept !== undefined && !/receiving/.test(kept.count) && /cancelled/i.test(text) && kept.firstRow.trim().length > 0;
      },
      60_000,
      'the rows to stay with a note that the query was cancelled',
    );
    const keptCount = countOf(kept!.count);
    assert.ok(keptCount >= streaming.count && keptCount < 20000, `rows kept (${keptCount})`);
    assert.equal(kept!.firstRow, streaming.firstRow);
    await session.workbench.page.mouse.move(1, 1);
    console.log(`      screenshot: ${await session.workbench.screenshot('cancelled half way, rows kept')}`);
  });
});
