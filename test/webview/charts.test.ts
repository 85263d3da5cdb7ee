import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { rowsOf } from '../../src/core/kusto/kustoRows';
import type { KustoRow, KustoTable, Visualization } from '../../src/core/kusto/resultTypes';
import { buildWebviewBundle, launchChromium, openResultsHarness, responseOf, runInfo, serveWebview, tableOf, type ResultsHarness } from './resultsHarness';

declare const window: { __cspViolations: string[] };

/** Counts canvas pixels of the chart within `tolerance` of an RGB colour (runs in the page). */
const COUNT_PIXELS = `(([r, g, b, tolerance]) => {
  let count = 0;
  for (const canvas of document.querySelectorAll('.chart-area canvas')) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) <= tolerance && Math.abs(data[i + 1] - g) <= tolerance && Math.abs(data[i + 2] - b) <= tolerance) count++;
    }
  }
  return count;
})`;

// The first colour of the chart palette outside VS Code (VS Code's --vscode-charts-blue is used inside it).
const FALLBACK_BLUE: [number, number, number] = [0x1a, 0x85, 0xff];

function visualization(type: string, properties: Record<string, unknown> = {}): Visualization {
  return { type, properties: { Ymin: 'NaN', Ymax: 'NaN', Accumulate: false, ...properties } };
}

const day = (n: number): string => `2007-01-${String(n).padStart(2, '0')}T00:00:00.0000000Z`;

function byDayAndState(days = 20): KustoTable {
  const rows: KustoRow[] = [];
  for (let d = 1; d <= days; d++) {
    for (const [i, state] of ['TEXAS', 'KANSAS', 'IOWA'].entries()) rows.push([day(d), state, ((d * 7 + i * 13) % 30) + 1]);
  }
  return tableOf('PrimaryResult', [{ name: 'StartTime', type: 'datetime' }, { name: 'State', type: 'string' }, { name: 'count_', type: 'long' }], rows);
}

const stateCounts = tableOf('PrimaryResult', [{ name: 'State', type: 'string' }, { name: 'count_', type: 'long' }], [
  ['TEXAS', 40],
  ['KANSAS', 30],
  ['IOWA', 20],
  ['OHIO', 10],
]);

describe('results webview charts (headless Chromium)', function () {
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
    assert.deepEqual(violations, [], 'the page and the chart bundle run under the strict CSP without violations');
    await h.close();
  });

  const pixels = (rgb: [number, number, number], tolerance = 24): Promise<number> => h.page.evaluate(`${COUNT_PIXELS}(${JSON.stringify([...rgb, tolerance])})`);
  const drawn = async (kind: string): Promise<void> => {
    await h.page.locator(`.chart-view[data-chart-kind="${kind}"]`).waitFor();
  };
  /** Waits until the chart's canvas shows at least `minimum` pixels of a colour (ECharts paints on a frame). */
  const waitForPixels = async (rgb: [number, number, number], minimum: number, tolerance = 24): Promise<number> => {
    const deadline = Date.now() + 10_000;
    let count = 0;
    while (Date.now() < deadline) {
      count = await pixels(rgb, tolerance);
      if (count >= minimum) return count;
      await h.page.waitForTimeout(50);
    }
    return count;
  };

  it('opens a rendered timechart on the Chart view and draws its lines; Table switches to the rows', async () => {
    h.controller.showResults(runInfo('c1', 'StormEvents | summarize count() by bin(StartTime, 1d), State | render timechart'), responseOf([byDayAndState()], { visualization: visualization('timechart') }));
    await drawn('timechart');
    assert.ok((await waitForPixels(FALLBACK_BLUE, 100)) >= 100, 'the first series is drawn in the first palette colour');
    assert.equal(await h.page.locator('.grid-host').isHidden(), true);
    await h.page.locator('.mode-table').click();
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    assert.equal(await h.page.locator('.chart-view').isHidden(), true);
    assert.ok(server.served.includes('/chart.js'));
  });

  it('draws every visualization Kusto defines', async () => {
    const ladder = tableOf('PrimaryResult', [{ name: 'Job', type: 'string' }, { name: 'Start', type: 'datetime' }, { name: 'End', type: 'datetime' }], [
      ['build', day(1), day(3)],
      ['test', day(3), day(4)],
      ['deploy', day(4), day(9)],
    ]);
    const treemap = tableOf('PrimaryResult', [{ name: 'State', type: 'string' }, { name: 'Type', type: 'string' }, { name: 'n', type: 'long' }], [
      ['TEXAS', 'Hail', 40],
      ['TEXAS', 'Flood', 20],
      ['KANSAS', 'Hail', 30],
    ]);
    const anomalies = tableOf('PrimaryResult', [{ name: 't', type: 'dynamic' }, { name: 'v', type: 'dynamic' }, { name: 'a', type: 'dynamic' }], [
      [Array.from({ length: 20 }, (_, i) => day(i + 1)), Array.from({ length: 20 }, (_, i) => (i === 10 ? 90 : 10 + (i % 3))), Array.from({ length: 20 }, (_, i) => (i === 10 ? 1 : 0))],
    ]);
    const cases: [string, KustoTable, Record<string, unknown>][] = [
      ['timechart', byDayAndState(), {}],
      ['linechart', byDayAndState(), {}],
      ['areachart', byDayAndState(), {}],
      ['stackedareachart', byDayAndState(), {}],
      ['columnchart', stateCounts, {}],
      ['barchart', stateCounts, {}],
      ['piechart', stateCounts, {}],
      ['scatterchart', byDayAndState(), {}],
      ['anomalychart', anomalies, { AnomalyColumns: 'a' }],
      ['ladderchart', ladder, {}],
      ['timepivot', byDayAndState(5), {}],
      ['pivotchart', stateCounts, {}],
      ['treemap', treemap, {}],
    ];
    for (const [index, [kind, table, properties]] of cases.entries()) {
      h.controller.showResults(runInfo(`all${index}`), responseOf([table], { visualization: visualization(kind, properties) }));
      await drawn(kind);
      const count = await waitForPixels(FALLBACK_BLUE, 30);
      assert.ok(count >= 30, `${kind}: ${count} pixels of the first palette colour`);
    }
    h.controller.showResults(runInfo('card'), responseOf([tableOf('PrimaryResult', [{ name: 'Total', type: 'long' }], [['9007199254740993']])], { visualization: visualization('card', { Title: 'Events' }) }));
    await drawn('card');
    assert.equal(await h.page.locator('.chart-card-value').innerText(), '9007199254740993');
    assert.equal(await h.page.locator('.chart-card-title').innerText(), 'Events');
    h.controller.showResults(runInfo('table'), responseOf([stateCounts], { visualization: visualization('table') }));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    assert.equal(await h.page.locator('.chart-view').isHidden(), true, 'render table shows the table');
  });

  it('shows exact values in the tooltip: a long beyond 2^53 and a datetime with 100 ns digits', async () => {
    const table = tableOf('PrimaryResult', [{ name: 'Timestamp', type: 'datetime' }, { name: 'Big', type: 'long' }], [
      [day(1), 1],
      ['2007-01-02T00:00:00.1234567Z', '9007199254740993'],
      [day(3), 2],
    ]);
    h.controller.showResults(runInfo('tip'), responseOf([table], { visualization: visualization('timechart') }));
    await drawn('timechart');
    await waitForPixels(FALLBACK_BLUE, 20);
    const box = await h.page.locator('.chart-area').boundingBox();
    assert.ok(box);
    // The middle point is the middle of the x axis: move across it until the tooltip shows it.
    for (let dx = -20; dx <= 20; dx += 5) {
      await h.page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2);
      if ((await h.page.locator('.chart-tooltip-text').textContent())?.includes('1234567')) break;
    }
    const tooltip = await h.page.locator('.chart-tooltip-text').textContent();
    assert.equal(tooltip, 'Timestamp: 2007-01-02T00:00:00.1234567Z\nBig: 9007199254740993');
  });

  it('follows a theme change: the series take VS Code\'s chart colours', async () => {
    h.controller.showResults(runInfo('theme'), responseOf([stateCounts], { visualization: visualization('columnchart') }));
    await drawn('columnchart');
    assert.ok((await waitForPixels(FALLBACK_BLUE, 200)) >= 200);
    assert.equal(await pixels([255, 0, 160], 8), 0);
    // What VS Code does on a theme switch: new variables on <html style> and a new body class.
    await h.page.evaluate(`(() => {
      document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(255, 0, 160)');
      document.body.classList.add('vscode-high-contrast');
    })()`);
    assert.ok((await waitForPixels([255, 0, 160], 200, 8)) >= 200, 'the columns are redrawn in the new colour');
    assert.ok((await pixels(FALLBACK_BLUE)) < 50, 'and the old colour is gone');
  });

  it('matches each render of a batch to its table by TableId', async () => {
    const first = { ...byDayAndState(), id: 1 };
    const second = { ...stateCounts, id: 2 };
    const properties: KustoTable = {
      id: 0,
      name: '@ExtendedProperties',
      kind: 'QueryProperties',
      columns: [{ name: 'TableId', type: 'int' }, { name: 'Key', type: 'string' }, { name: 'Value', type: 'dynamic' }],
      rows: rowsOf([
        [1, 'Visualization', JSON.stringify({ Visualization: 'timechart' })],
        [2, 'Visualization', JSON.stringify({ Visualization: 'piechart', Title: 'By state' })],
      ]),
    };
    h.controller.showResults(runInfo('batch'), responseOf([first, second], { allTables: [properties, first, second], visualization: visualization('timechart') }));
    await drawn('timechart');
    await h.page.locator('vscode-panel-tab').nth(1).click();
    await drawn('piechart');
  });

  it('charts any result from the Chart button, starting from a guess the picker shows, and redraws what is picked', async () => {
    h.controller.showResults(runInfo('pick'), responseOf([byDayAndState()]));
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    await h.page.locator('.mode-chart').click();
    await drawn('timechart');
    assert.equal(await h.page.locator('.chart-picker').isVisible(), true);
    assert.equal(await h.page.locator('.chart-x').inputValue(), 'StartTime');
    await h.page.locator('.chart-type').selectOption('piechart');
    await h.page.locator('.chart-x').selectOption('State');
    await h.page.locator('.chart-picker vscode-button').click();
    await drawn('piechart');
    const chart = [...h.received].reverse().find((m) => m.type === 'requestChart');
    assert.deepEqual(chart && 'request' in chart ? chart.request : undefined, { kind: 'piechart', x: 'State', y: ['count_'], series: ['State'] });
  });

  it('says why a result cannot be drawn as asked, and shows the table', async () => {
    h.controller.showResults(runInfo('bad'), responseOf([stateCounts], { visualization: visualization('timechart') }));
    await h.page.locator('.chart-reason').filter({ hasText: 'needs a datetime column' }).waitFor();
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    assert.equal(await h.page.locator('.chart-view').isHidden(), true);
  });

  it('exports the chart as PNG and SVG through the extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kusto-chart-export-'));
    try {
      h.controller.showResults(runInfo('export'), responseOf([stateCounts], { visualization: visualization('columnchart', { Title: 'Storms' }) }));
      await drawn('columnchart');
      h.imageTarget = join(dir, 'chart.png');
      await h.page.locator('.chart-bar vscode-button', { hasText: 'Export PNG' }).click();
      await h.page.locator('.status').filter({ hasText: 'Saved the chart' }).waitFor();
      const png = readFileSync(h.imageTarget);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
      assert.ok(png.length > 2000);
      h.imageTarget = join(dir, 'chart.svg');
      await h.page.locator('.chart-bar vscode-button', { hasText: 'Export SVG' }).click();
      await h.page.locator('.status').filter({ hasText: 'chart.svg' }).waitFor();
      const svg = readFileSync(h.imageTarget, 'utf8');
      assert.match(svg, /^<svg/);
      assert.match(svg, /Storms/, 'with its title');
      assert.match(svg, /<path|<rect/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws a large series from a sample that keeps its shape, and asks for full detail when zoomed', async () => {
    const start = Date.UTC(2007, 0, 1);
    const rows: KustoRow[] = Array.from({ length: 50_000 }, (_, i) => [new Date(start + i * 60_000).toISOString().replace('Z', '0000Z'), i === 25_000 ? 999 : i % 97]);
    const table = tableOf('PrimaryResult', [{ name: 'Timestamp', type: 'datetime' }, { name: 'n', type: 'long' }], rows);
    h.controller.showResults(runInfo('zoom'), responseOf([table], { visualization: visualization('timechart') }));
    await drawn('timechart');
    await h.page.locator('.chart-notes').filter({ hasText: '50,000 points, drawn from' }).waitFor();
    const box = await h.page.locator('.chart-area').boundingBox();
    assert.ok(box);
    await h.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 6; i++) await h.page.mouse.wheel(0, -240);
    await h.page.locator('.chart-notes').filter({ hasText: 'full detail in the zoomed range' }).waitFor();
    // ECharts zooms a step at a time (its zoom is throttled): the page asks for each new window, and the last one
    // asked once the six wheel steps have all been taken is the one checked.
    const lastWindow = (): readonly [number, number] | undefined => {
      const request = [...h.received].reverse().find((m) => m.type === 'requestChart');
      return request?.type === 'requestChart' ? request.xWindow : undefined;
    };
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const window = lastWindow();
      if (window && window[1] - window[0] < 0.8 * 50_000 * 60_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const zoomWindow = lastWindow();
    assert.ok(zoomWindow, 'the page asked for its x window');
    const [from, to] = zoomWindow;
    assert.ok(from > start && to < start + 50_000 * 60_000 && to - from < 0.8 * 50_000 * 60_000, `window ${new Date(from).toISOString()} – ${new Date(to).toISOString()}`);
    assert.ok((await waitForPixels(FALLBACK_BLUE, 100)) >= 100, 'the zoomed line is drawn');
  });

  it('gets the chart from the extension, which reads the rows it keeps: the page never fetches the whole table', async () => {
    const start = Date.UTC(2007, 0, 1);
    const rows: KustoRow[] = Array.from({ length: 20_000 }, (_, i) => [new Date(start + i * 60_000).toISOString().replace('Z', '0000Z'), i % 97]);
    const table = tableOf('PrimaryResult', [{ name: 'Timestamp', type: 'datetime' }, { name: 'n', type: 'long' }], rows);
    h.controller.showResults(runInfo('kept'), responseOf([table], { visualization: visualization('timechart') }));
    await drawn('timechart');
    const rowsAsked = h.received.reduce((sum, m) => sum + (m.type === 'requestRows' ? m.count : 0), 0);
    assert.ok(rowsAsked <= 500, `the page asked for ${rowsAsked} of 20,000 rows: at most the hidden grid's first pages`);
    assert.equal(h.received.filter((m) => m.type === 'requestChart').length, 0, 'the chart came with the results: no chart request');
  });

  it('draws the chart the query rendered without asking the extension, also on a return to the Chart view; a picked chart is asked for', async () => {
    h.controller.showResults(runInfo('pushed', 'StormEvents | summarize count() by State | render piechart'), responseOf([stateCounts], { visualization: visualization('piechart') }));
    await drawn('piechart');
    assert.ok((await waitForPixels(FALLBACK_BLUE, 200)) >= 200, 'the first slice is drawn');
    await h.page.locator('.mode-table').click();
    await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
    await h.page.locator('.mode-chart').click();
    await drawn('piechart');
    assert.ok((await waitForPixels(FALLBACK_BLUE, 200)) >= 200, 'drawn again from the chart that came with the results');
    assert.equal(h.received.filter((m) => m.type === 'requestChart').length, 0, 'no chart request so far');
    await h.page.locator('.chart-bar vscode-button').first().click();
    await h.page.locator('.chart-type').selectOption('columnchart');
    await h.page.locator('.chart-picker vscode-button').click();
    await drawn('columnchart');
    const asked = h.received.filter((m) => m.type === 'requestChart');
    assert.equal(asked.length, 1, 'the picked chart is built by the extension on request');
  });
});

describe('results webview without a chart (headless Chromium)', function () {
  this.timeout(60000);
  it('does not load the chart bundle', async () => {
    const bundle = await buildWebviewBundle();
    const server = await serveWebview(bundle.dir);
    const browser = await launchChromium();
    try {
      const h = await openResultsHarness(browser, server);
      await h.load();
      h.controller.showResults(runInfo('plain'), responseOf([stateCounts]));
      await h.page.locator('.grid-row[aria-rowindex="2"]:not([aria-busy])').waitFor();
      assert.deepEqual(server.served, ['/main.js']);
      await h.close();
    } finally {
      await browser.close();
      await server.close();
      bundle.dispose();
    }
  });
});
