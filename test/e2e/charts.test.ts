// End to end: charts from `render` in a real VS Code (code-server), the packaged .vsix, the local sign-in and
// Kusto servers. Signs in with a device code as a person does, runs a timechart and a piechart query, checks the
// chart's canvas is drawn and saves screenshots in the folder printed at the start.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { startLocalStack } from '../../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, locateTools, readLogFiles, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { launchChromium, waitFor, Workbench } from '../../scripts/e2e/workbench';

const CLUSTER_NAME = 'local';
const DATABASE = 'Samples';

/** Counts the chart canvas's opaque pixels that are not the background (runs in the results page). */
const PAINTED_PIXELS = `(() => {
  let count = 0;
  for (const canvas of document.querySelectorAll('.chart-area canvas')) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200) count++;
  }
  return count;
})()`;

describe('Charts from render in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const repoRoot = findRepoRoot(__dirname);
  const screenshotDir = join(repoRoot, 'test-results', 'e2e-charts', new Date().toISOString().replace(/[:.]/g, '-'));
  let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench;
  let anyFailure = false;

  before(async function () {
    this.timeout(240_000);
    console.log(`      screenshots: ${screenshotDir}`);
    mkdirSync(screenshotDir, { recursive: true });
    const serverLog = join(screenshotDir, 'local-servers.log');
    stack = await startLocalStack({ pollIntervalSeconds: 1, log: (line) => appendFileSync(serverLog, `${line}\n`) });
    codeServer = await startCodeServer({
      vsixPath: process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix'),
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: CLUSTER_NAME, defaultDatabase: DATABASE }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
    });
    browser = await launchChromium(locateTools(repoRoot).chromium);
    workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      anyFailure = true;
      console.log(`      failure screenshot: ${await workbench?.screenshot(`FAILED ${this.currentTest.title}`).catch(() => '(none)')}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (anyFailure && codeServer) console.log(`      "Kusto" output channel:\n${readLogFiles(codeServer.logsDir, 'Kusto')}`);
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer && !anyFailure) rmSync(codeServer.workDir, { recursive: true, force: true });
    console.log(`      screenshots: ${screenshotDir}`);
  });

  it('signs in with a device code', async () => {
    await workbench.openViewContainer('Kusto');
    await signInWithDeviceCode(workbench, stack!);
  });

  async function runAndWaitForChart(query: string, kind: string): Promise<Frame> {
    await workbench.openFile('queries.kql');
    await workbench.replaceEditorText(query);
    await workbench.page.keyboard.press('Shift+Enter');
    let frame: Frame | undefined;
    await waitFor(
      async () => {
        for (const candidate of workbench.webviewContentFrames()) {
          if (await candidate.locator(`.chart-view[data-chart-kind="${kind}"]`).isVisible({ timeout: 500 }).catch(() => false)) {
            frame = candidate;
            return ((await candidate.evaluate(PAINTED_PIXELS).catch(() => 0)) as number) > 2000;
          }
        }
        return false;
      },
      90_000,
      `the results panel to draw a ${kind}`,
    );
    await workbench.closeSuggestions();
    await workbench.page.mouse.move(1, 1);
    return frame!;
  }

  it('draws `summarize count() by bin(StartTime, 1d), State | render timechart` as a time chart with a line per state', async () => {
    const frame = await runAndWaitForChart('StormEvents\n| summarize count() by bin(StartTime, 1d), State\n| render timechart', 'timechart');
    await workbench.screenshot('timechart by state');
    assert.equal(await frame.locator('.grid-host').isHidden(), true, 'the Chart view opens, not the table');
    // Hover the middle of the chart: the tooltip (mirrored for screen readers) names a day and a count per state.
    const area = await frame.locator('.chart-area').boundingBox();
    assert.ok(area);
    await frame.locator('.chart-area').hover({ position: { x: area.width / 2, y: area.height / 2 } });
    await waitFor(async () => /StartTime: 2007-\d\d-\d\dT00:00:00\.0000000Z/.test((await frame.locator('.chart-tooltip-text').textContent()) ?? ''), 15_000, 'the tooltip to show a day');
    await workbench.screenshot('timechart tooltip');
    await frame.locator('.mode-table').click();
    await frame.locator('.grid-row[aria-rowindex="2"]').waitFor({ timeout: 15_000 });
    await workbench.screenshot('timechart switched to table');
  });

  it('draws a piechart with a title', async () => {
    const frame = await runAndWaitForChart("StormEvents\n| summarize Events = count() by EventType\n| top 8 by Events\n| render piechart with (title='Storm events by type')", 'piechart');
    await workbench.screenshot('piechart of event types');
    assert.equal(await frame.locator('.chart-reason').isHidden(), true);
    // A theme change redraws the chart in the new theme's colours.
    const canvasImage = (): Promise<string> => frame.evaluate(`document.querySelector('.chart-area canvas').toDataURL()`) as Promise<string>;
    const light = await canvasImage();
    await workbench.pickColorTheme('Dark 2026');
    await waitFor(async () => (await canvasImage()) !== light, 15_000, 'the chart to be redrawn for the dark theme');
    await workbench.page.mouse.move(1, 1);
    await workbench.screenshot('piechart in the dark theme');
    await workbench.pickColorTheme('Light 2026');
  });
});
