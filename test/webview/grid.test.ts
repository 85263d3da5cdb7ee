import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { RequestRowsMessage } from '../../src/shared/resultsProtocol';
import {
  buildWebviewBundle,
  launchChromium,
  openResultsHarness,
  responseOf,
  runInfo,
  serveWebview,
  syntheticTable,
  tableOf,
  type ResultsHarness,
} from './resultsHarness';

// Code passed to page.evaluate runs in the browser; the Node test project has no DOM lib, so declare what it uses.
declare const window: { __cspViolations: string[]; __alerts: number };
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null } | undefined>;
};
declare function getComputedStyle(element: unknown): { fontStyle: string; textAlign: string };
declare function requestAnimationFrame(callback: () => void): number;

const XSS = '<img src=x onerror=alert(1)>';

describe('results webview (headless Chromium)', function () {
  this.timeout(60000);
  let browser: Browser;
  let bundle: { dir: string; dispose(): void };
  let server: Awaited<ReturnType<typeof serveWebview>>;
  let h: ResultsHarness;

  before(async () => {
    bundle = await buildWebviewBundle();
    server = await serveWebview(bundle.dir);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    bundle?.dispose();
  });
  beforeEach(async () => {
    h = await openResultsHarness(browser, server);
    await h.load();
  });
  afterEach(async () => {
    const violations = await h.page.evaluate(() => window.__cspViolations);
    assert.deepEqual(violations, [], 'the page runs under its strict CSP without violations');
    await h.close();
  });

  const rowRequests = (): RequestRowsMessage[] => h.received.filter((m): m is RequestRowsMessage => m.type === 'requestRows');
  const gridRowCount = (): Promise<number> => h.page.locator('.grid-row:not([hidden])').count();
  const cellText = (rowIndexInView: number, column: number): Promise<string> =>
    h.page.locator(`.grid-row[aria-rowindex="${rowIndexInView + 2}"] .grid-cell`).nth(column).innerText();

  it('opens 100,000 rows × 20 columns with only the visible rows in the DOM and fetches pages as it scrolls', async () => {
    h.controller.showResults(runInfo('r1'), responseOf([syntheticTable(100_000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').first().filter({ hasText: '0' }).waitFor();
    assert.ok((await gridRowCount()) <= 100, `DOM rows: ${await gridRowCount()}`);
    assert.equal(await h.page.locator('.row-count').innerText(), '100,000 rows');
    const firstRequests = rowRequests();
    assert.ok(firstRequests.every((r) => r.count <= 500), 'asks for pages, never the whole table');

    await h.page.locator('.grid').evaluate((g) => {
      g.scrollTop = 50_000 * 22;
    });
    await h.page.locator('.grid-row[aria-rowindex="50002"] .grid-cell').nth(2).filter({ hasText: 'alpha 50000' }).waitFor();
    assert.ok((await gridRowCount()) <= 100);
    const later = rowRequests().slice(firstRequests.length);
    assert.ok(later.length > 0 && later.every((r) => r.start >= 49_800 && r.start <= 50_200), JSON.stringify(later.map((r) => r.start)));

    await h.page.locator('.grid').evaluate((g) => {
      g.scrollTop = g.scrollHeight;
    });
    await h.page.locator('.grid-row[aria-rowindex="100001"] .grid-cell').first().filter({ hasText: '99999' }).waitFor();

    // Sideways: the far columns get their text when they come into view (cells out of view hold none).
    await h.page.locator('.grid').evaluate((g) => {
      g.scrollLeft = g.scrollWidth;
    });
    await h.page.locator('.grid-row[aria-rowindex="100001"] .grid-cell').nth(19).filter({ hasText: String((99_999 * 19) % 1000) }).waitFor();
    assert.equal(await h.page.locator('.grid-row[aria-rowindex="100001"] .grid-cell').nth(18).innerText(), 's18-99');
  });

  it('scrolled sideways, every cell shown sits under its column header, also in rows written after the scroll', async () => {
    h.controller.showResults(runInfo('r1s'), responseOf([syntheticTable(1000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    const misplaced = (): Promise<string[]> =>
      h.page.locator('.grid').evaluate((g) => {
        const headerLefts = [...g.querySelectorAll('.grid-header-cell')].map((cell) => cell.getBoundingClientRect().left);
        const wrong: string[] = [];
        for (const row of g.querySelectorAll('.grid-row:not([hidden])')) {
          for (const cell of row.querySelectorAll('.grid-cell:not([hidden])')) {
            const column = Number(cell.getAttribute('aria-colindex')) - 1;
            const left = cell.getBoundingClientRect().left;
            if (Math.abs(left - headerLefts[column]) > 0.5) wrong.push(`row ${row.getAttribute('aria-rowindex')} column ${column}: ${left} vs ${headerLefts[column]}`);
          }
        }
        return wrong;
      });
    const nextFrames = (): Promise<void> =>
      h.page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
    await h.page.locator('.grid').evaluate((g) => {
      g.scrollLeft = 1500;
    });
    await nextFrames();
    assert.ok((await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell[hidden]').count()) > 0, 'columns out of view are hidden');
    assert.deepEqual(await misplaced(), []);
    await h.page.locator('.grid').evaluate((g) => {
      g.scrollTop = 300 * 22;
    });
    await h.page.locator('.grid-row[aria-rowindex="302"]:not([aria-busy])').waitFor();
    await nextFrames();
    assert.deepEqual(await misplaced(), []);
    await h.page.locator('.grid').evaluate((g) => {
      g.scrollLeft = 0;
    });
    await nextFrames();
    assert.deepEqual(await misplaced(), []);
  });

  it('after a fast fling and a jump every row in view shows its own data, none left blank', async () => {
    h.controller.showResults(runInfo('r1b'), responseOf([syntheticTable(100_000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    // A fling: 20 rows every frame for 60 frames, as a fast trackpad flick does.
    await h.page.locator('.grid').evaluate(
      (g) =>
        new Promise<void>((done) => {
          let frames = 0;
          const tick = (): void => {
            g.scrollTop += 20 * 22;
            if (++frames < 60) requestAnimationFrame(tick);
            else done();
          };
          requestAnimationFrame(tick);
        }),
    );
    const rowsInView = async (): Promise<{ position: number; first: string; name: string }[]> => {
      await h.page.waitForFunction(() => document.querySelectorAll('.grid-row[aria-busy]:not([hidden])').length === 0);
      // The grid writes at most a frame's budget of rows per frame after a fling stops: wait until it has placed a
      // row at every position in view (the rows' data is checked below), not for a snapshot taken part way.
      await h.page.waitForFunction(() => {
        const g = document.querySelector('.grid') as unknown as {
          scrollTop: number;
          clientHeight: number;
          querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
        };
        const top = Math.floor(g.scrollTop / 22);
        const bottom = Math.ceil((g.scrollTop + g.clientHeight - 24) / 22);
        const placed = new Set(Array.from(g.querySelectorAll('.grid-row:not([hidden])'), (row) => Number(row.getAttribute('aria-rowindex')) - 2));
        for (let position = top; position < bottom; position++) if (!placed.has(position)) return false;
        return true;
      });
      return h.page.locator('.grid').evaluate((g) => {
        const top = Math.floor(g.scrollTop / 22);
        const bottom = Math.ceil((g.scrollTop + g.clientHeight - 24) / 22);
        return [...g.querySelectorAll('.grid-row:not([hidden])')]
          .map((row) => ({
            position: Number(row.getAttribute('aria-rowindex')) - 2,
            first: row.querySelector('.grid-cell')?.textContent ?? '',
            name: row.querySelectorAll('.grid-cell')[2]?.textContent ?? '',
          }))
          .filter((r) => r.position >= top && r.position < bottom)
          .sort((a, b) => a.position - b.position);
      });
    };
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const assertRowsMatch = (rows: { position: number; first: string; name: string }[]): void => {
      assert.ok(rows.length >= 20, `rows in view: ${rows.length}`);
      rows.forEach((r, i) => {
        assert.equal(r.position, rows[0].position + i, 'no gap between the rows in view');
        assert.equal(r.first, String(r.position));
        assert.equal(r.name, `${names[r.position % 5]} ${r.position}`);
      });
    };
    const afterFling = await rowsInView();
    assert.ok(afterFling[0].position >= 1000, `scrolled to ${afterFling[0].position}`);
    assertRowsMatch(afterFling);

    await h.page.locator('.grid').evaluate((g) => {
      g.scrollTop = 77_777 * 22;
    });
    await h.page.locator('.grid-row[aria-rowindex="77779"]').waitFor();
    const afterJump = await rowsInView();
    assert.equal(afterJump[0].position, 77_777);
    assertRowsMatch(afterJump);
  });

  it('with 1,000,000 rows, after jumps and a fling the rows on screen are in order, one below the other, each with its own data', async () => {
    h.controller.showResults(runInfo('r1m'), responseOf([syntheticTable(1_000_000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    // Once scrolling stops every row element shown (in view or spare) holds the data of the row it claims to be, and
    // the rows in view sit one below the other from the top of the viewport, with no gap and no overlap.
    const assertSettled = async (): Promise<void> => {
      await h.page.waitForFunction(() => document.querySelectorAll('.grid-row[aria-busy]:not([hidden])').length === 0);
      // Rows left for later frames are written within a few frames.
      for (let i = 0; i < 10; i++) await h.page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => done())));
      const rows = await h.page.locator('.grid').evaluate((g) => {
        const top = g.getBoundingClientRect().top + 24;
        const bottom = g.getBoundingClientRect().bottom;
        return [...g.querySelectorAll('.grid-row:not([hidden])')]
          .map((row) => ({
            position: Number(row.getAttribute('aria-rowindex')) - 2,
            first: row.querySelector('.grid-cell')?.textContent ?? '',
            name: row.querySelectorAll('.grid-cell')[2]?.textContent ?? '',
            y: row.getBoundingClientRect().top,
            inView: row.getBoundingClientRect().bottom > top && row.getBoundingClientRect().top < bottom,
            top,
          }))
          .sort((a, b) => a.position - b.position);
      });
      for (const r of rows) {
        assert.equal(r.first, String(r.position), `row ${r.position} shows its own number`);
        assert.equal(r.name, `${names[r.position % 5]} ${r.position}`);
      }
      const inView = rows.filter((r) => r.inView);
      assert.ok(inView.length >= 20, `rows in view: ${inView.length}`);
      assert.ok(inView[0].y <= inView[0].top, 'the first row in view reaches the top of the viewport');
      inView.forEach((r, i) => {
        if (i === 0) return;
        assert.equal(r.position, inView[i - 1].position + 1, 'no gap between the rows in view');
        assert.ok(Math.abs(r.y - inView[i - 1].y - 22) < 1, `row ${r.position} sits right below the one before`);
      });
    };
    for (const fraction of [0.123, 0.871, 0.5]) {
      await h.page.locator('.grid').evaluate((g, f) => {
        g.scrollTop = f * (g.scrollHeight - g.clientHeight);
      }, fraction);
      await assertSettled();
    }
    // A fast fling down from there (~4,800 rows, far enough that the rows are placed from a new anchor row), then a
    // few wheel steps back up.
    await h.page.locator('.grid').evaluate(
      (g) =>
        new Promise<void>((done) => {
          let frames = 0;
          const tick = (): void => {
            g.scrollTop += frames < 120 ? 40 * 15 : -3 * 15;
            if (++frames < 130) requestAnimationFrame(tick);
            else done();
          };
          requestAnimationFrame(tick);
        }),
    );
    await assertSettled();
  });

  it('formats cells by type: numbers right-aligned, null dimmed and distinct from empty, dynamic as compact JSON, exact longs', async () => {
    const table = tableOf(
      'T',
      [
        { name: 'N', type: 'long' },
        { name: 'S', type: 'string' },
        { name: 'D', type: 'dynamic' },
        { name: 'When', type: 'datetime' },
      ],
      [
        ['9007199254740993', '', { a: [1, 2], b: 'x' }, '2024-05-01T10:00:00.1234567Z'],
        [null, 'text', null, null],
      ],
    );
    h.controller.showResults(runInfo('r2'), responseOf([table]));
    await h.page.locator('.grid-row[aria-rowindex="2"]').waitFor();
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    assert.equal(await cellText(0, 0), '9007199254740993');
    assert.equal(await cellText(0, 1), '');
    assert.equal(await cellText(0, 2), '{"a":[1,2],"b":"x"}');
    assert.equal(await cellText(0, 3), '2024-05-01T10:00:00.1234567Z');
    const nullCell = h.page.locator('.grid-row[aria-rowindex="3"] .grid-cell').first();
    assert.equal(await nullCell.innerText(), 'null');
    assert.equal(await nullCell.evaluate((c) => getComputedStyle(c).fontStyle), 'italic');
    assert.equal(await nullCell.evaluate((c) => getComputedStyle(c).textAlign), 'right');
    const emptyString = h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').nth(1);
    assert.equal(await emptyString.evaluate((c) => c.classList.contains('null')), false);
    assert.equal(await h.page.locator('.grid-header-cell').first().innerText().then((t) => t.replace(/\s+/g, ' ')), 'N long');
    const header = await h.page.locator('.results-header').innerText();
    for (const expected of ['help.kusto.windows.net', 'Samples', '1.23 s', 'CPU', '250 ms', '3.0 MB', '5.0 GB', 'KE.RunQuery;11111111']) {
      assert.ok(header.includes(expected), `header shows ${expected}: ${header}`);
    }
  });

  it('shows HTML in data, column names and errors as text; the onerror payload never runs', async () => {
    let dialogs = 0;
    h.page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const table = tableOf('T', [{ name: XSS, type: 'string' }, { name: 'D', type: 'dynamic' }], [[XSS, { html: XSS }]]);
    h.controller.showResults(runInfo('r3'), responseOf([table], { partialErrors: [{ code: 'E', message: XSS }] }));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    assert.equal(await cellText(0, 0), XSS);
    assert.equal(await h.page.locator('.grid-header-cell .column-name').first().innerText(), XSS);
    assert.ok((await h.page.locator('.banner.warning').innerText()).includes(XSS));
    await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').nth(1).dblclick();
    assert.ok((await h.page.locator('.detail-text').innerText()).includes(XSS));
    h.controller.showError(runInfo('r3b'), { code: XSS, message: XSS });
    await h.page.locator('.error-message').waitFor();
    assert.equal(await h.page.locator('.error-message').innerText(), XSS);
    await h.page.waitForTimeout(200);
    assert.equal(await h.page.locator('img').count(), 0, 'no element was created from data');
    assert.equal(dialogs, 0);
    assert.equal(await h.page.evaluate(() => window.__alerts), 0);
  });

  it('sorts by clicking a column header: ascending, descending, then back to the original order', async () => {
    const table = tableOf(
      'T',
      [
        { name: 'Name', type: 'string' },
        { name: 'Count', type: 'int' },
      ],
      [
        ['b', 10],
        ['a', 9],
        ['c', 100],
        ['d', null],
      ],
    );
    h.controller.showResults(runInfo('r4'), responseOf([table]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    const column0 = async (): Promise<string[]> => {
      await h.page.waitForTimeout(50);
      await h.page.locator('.grid-row[aria-busy]').first().waitFor({ state: 'detached' }).catch(() => undefined);
      return h.page.locator('.grid-row:not([hidden]) .grid-cell[data-column="0"]').allInnerTexts();
    };
    const countHeader = h.page.locator('.grid-header-cell').nth(1);
    await countHeader.click();
    await h.page.waitForFunction(() => document.querySelectorAll('.grid-header-cell')[1]?.getAttribute('aria-sort') === 'ascending');
    await h.page.waitForFunction(() => document.querySelector('.grid-row[aria-rowindex="2"] .grid-cell')?.textContent === 'a');
    assert.deepEqual(await column0(), ['a', 'b', 'c', 'd'], 'numeric order, null last');
    await countHeader.click();
    await h.page.waitForFunction(() => document.querySelector('.grid-row[aria-rowindex="2"] .grid-cell')?.textContent === 'c');
    assert.deepEqual(await column0(), ['c', 'b', 'a', 'd'], 'descending, null still last');
    await countHeader.click();
    await h.page.waitForFunction(() => document.querySelector('.grid-row[aria-rowindex="2"] .grid-cell')?.textContent === 'b');
    assert.deepEqual(await column0(), ['b', 'a', 'c', 'd']);
    assert.equal(await countHeader.getAttribute('aria-sort'), 'none');
    const sorts = rowRequests().map((r) => r.view.sort?.direction ?? 'none');
    assert.deepEqual([...new Set(sorts)], ['none', 'asc', 'desc'], 'sorting runs in the extension, asked per view');
  });

  it('filters rows with the search box (case-insensitive, any column) and shows the match count', async () => {
    h.controller.showResults(runInfo('r5'), responseOf([syntheticTable(10_000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    await h.page.locator('vscode-text-field.search input').fill('ALPHA 99');
    await h.page.locator('.row-count').filter({ hasText: 'of 10,000 rows' }).waitFor();
    // alpha rows are r % 5 == 0: "alpha 99x" and "alpha 99xx" -> 990, 995, 9900..9995 step 5 = 2 + 20 = 22 rows.
    assert.equal(await h.page.locator('.row-count').innerText(), '22 of 10,000 rows');
    const names = await h.page.locator('.grid-row:not([hidden]) .grid-cell[data-column="2"]').allInnerTexts();
    assert.equal(names.length, 22);
    assert.ok(names.every((n) => n.startsWith('alpha 99')), names.join(','));
    await h.page.locator('vscode-text-field.search input').fill('');
    await h.page.locator('.row-count').filter({ hasText: /^10,000 rows$/ }).waitFor();
  });

  it('shows several primary tables as tabs and switches the grid between them', async () => {
    const first = tableOf('Counts', [{ name: 'State', type: 'string' }], [['TEXAS'], ['OHIO']]);
    const second = tableOf('Events', [{ name: 'EventId', type: 'int' }, { name: 'Kind', type: 'string' }], [[7, 'Hail']]);
    h.controller.showResults(runInfo('r6'), responseOf([first, second]));
    await h.page.locator('vscode-panel-tab').nth(1).waitFor();
    assert.deepEqual(await h.page.locator('vscode-panel-tab').allInnerTexts(), ['Counts (2)', 'Events (1)']);
    assert.equal(await h.page.locator('.grid-header-cell .column-name').first().innerText(), 'State');
    await h.page.locator('vscode-panel-tab').nth(1).click();
    await h.page.locator('.grid-header-cell .column-name').filter({ hasText: 'EventId' }).waitFor();
    await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').nth(1).filter({ hasText: 'Hail' }).waitFor();
    assert.ok(rowRequests().some((r) => r.view.tableIndex === 1));
  });

  it('shows an error with code, message, request id and a clickable position that moves the cursor', async () => {
    h.controller.showError(runInfo('r7'), {
      code: 'SEM0100',
      message: "'where' operator: Failed to resolve column named 'Stat'",
      position: { line: 3, column: 9 },
      clientRequestId: 'KE.RunQuery;abc',
      httpStatus: 400,
    });
    await h.page.locator('.error-view').waitFor();
    assert.equal(await h.page.locator('.error-code').innerText(), 'SEM0100');
    assert.ok((await h.page.locator('.error-message').innerText()).includes("named 'Stat'"));
    assert.ok((await h.page.locator('.request-id').innerText()).includes('KE.RunQuery;abc'));
    assert.equal(await h.page.locator('.error-http').innerText(), 'HTTP 400');
    await h.page.locator('.error-position').click();
    await waitUntil(() => h.revealed.length === 1);
    assert.deepEqual(h.revealed, [{ line: 3, column: 9 }]);
  });

  it('shows a running state with an elapsed timer and a Cancel button that cancels that run', async () => {
    h.controller.showRunning({ ...runInfo('r8'), startedAt: Date.now() - 2500 }, () => undefined);
    await h.page.locator('.running').waitFor();
    const elapsed = Number.parseFloat(await h.page.locator('.elapsed').innerText());
    assert.ok(elapsed >= 2.5 && elapsed < 10, `elapsed ${elapsed}`);
    await h.page.waitForTimeout(300);
    assert.ok(Number.parseFloat(await h.page.locator('.elapsed').innerText()) > elapsed, 'the timer runs');
    await h.page.locator('vscode-button.cancel-button').click();
    await waitUntil(() => h.cancelled.length === 1);
    assert.deepEqual(h.cancelled, ['r8']);
  });

  it('selects rows with click, shift-click and ctrl-click and copies them as TSV with a header; Ctrl+C copies one cell', async () => {
    h.controller.showResults(runInfo('r9'), responseOf([syntheticTable(1000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    const cell = (row: number, col = 2) => h.page.locator(`.grid-row[aria-rowindex="${row + 2}"] .grid-cell`).nth(col);
    await cell(1).click();
    await cell(3).click({ modifiers: ['Shift'] });
    await cell(6).click({ modifiers: ['Control'] });
    assert.equal(await h.page.locator('.grid-row.selected').count(), 4);
    await h.page.keyboard.press('Control+c');
    await waitUntil(() => h.clipboard.length === 1);
    const lines = h.clipboard[0].split('\r\n');
    assert.equal(lines[0].split('\t')[0], 'RowNumber');
    assert.deepEqual(lines.slice(1, -1).map((l) => l.split('\t')[2]), ['bravo 1', 'charlie 2', 'delta 3', 'bravo 6']);
    await cell(4, 0).click();
    await h.page.keyboard.press('ArrowDown');
    await h.page.keyboard.press('ArrowRight');
    await h.page.keyboard.press('Control+c');
    await waitUntil(() => h.clipboard.length === 2);
    assert.match(h.clipboard[1], /^2024-01-01T00:00:05\.0000000Z$/, 'row 5, Timestamp column');
  });

  it('opens the full pretty value of a dynamic cell on Enter and closes it with Escape', async () => {
    h.controller.showResults(runInfo('r10'), responseOf([syntheticTable(50)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').nth(7).click();
    await h.page.keyboard.press('Enter');
    const detail = h.page.locator('.detail-text');
    await detail.waitFor();
    assert.equal(await detail.innerText(), JSON.stringify({ row: 0, tags: ['a', 'b'] }, null, 2));
    await h.page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
  });

  it('comes back to the same tab, sort, filter and scroll position when VS Code recreates the page', async () => {
    h.controller.showResults(runInfo('r11'), responseOf([syntheticTable(5000)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    await h.page.locator('.grid-header-cell').first().click();
    await h.page.locator('.grid-header-cell').first().click();
    await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').first().filter({ hasText: '4999' }).waitFor();
    await h.page.locator('.grid').evaluate((g) => {
      g.scrollTop = 1000 * 22;
    });
    await h.page.waitForTimeout(400);
    await h.load();
    await h.page.locator('.grid-row[aria-rowindex="1002"] .grid-cell').first().filter({ hasText: '3999' }).waitFor();
    assert.equal(await h.page.locator('.grid-header-cell').first().getAttribute('aria-sort'), 'descending');
    assert.equal(await h.page.locator('.grid').evaluate((g) => g.scrollTop), 1000 * 22);
  });

  it('resizes a column by dragging its header edge; cells follow and the width survives a page reload', async () => {
    h.controller.showResults(runInfo('r13'), responseOf([syntheticTable(100)]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    const header = h.page.locator('.grid-header-cell').nth(2);
    const cell = h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').nth(2);
    const before = (await header.boundingBox())!;
    const handle = (await header.locator('.resize-handle').boundingBox())!;
    await h.page.mouse.move(handle.x + 3, handle.y + 5);
    await h.page.mouse.down();
    await h.page.mouse.move(handle.x + 63, handle.y + 5, { steps: 5 });
    await h.page.mouse.up();
    await h.page.waitForTimeout(100);
    const after = (await header.boundingBox())!;
    assert.equal(Math.round(after.width - before.width), 60);
    assert.equal(Math.round((await cell.boundingBox())!.width), Math.round(after.width));
    assert.equal(Math.round((await h.page.locator('.grid-row[aria-rowindex="2"] .grid-cell').nth(3).boundingBox())!.x), Math.round(after.x + after.width));
    assert.equal(await header.getAttribute('aria-sort'), 'none', 'dragging the edge does not sort');
    await h.page.waitForTimeout(300);
    await h.load();
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    assert.equal(Math.round((await h.page.locator('.grid-header-cell').nth(2).boundingBox())!.width), Math.round(after.width));
  });

  it('renders the toolkit components under the CSP', async () => {
    h.controller.showRunning(runInfo('r12'), () => undefined);
    await h.page.locator('vscode-button.cancel-button').waitFor();
    const rendered = await h.page.locator('vscode-button.cancel-button').evaluate((b) => !!b.shadowRoot && b.getBoundingClientRect().height > 10);
    assert.ok(rendered);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the host to see the page message.');
    await new Promise((r) => setTimeout(r, 20));
  }
}
