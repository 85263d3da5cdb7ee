// End to end: charts from `render` in a real VS Code (code-server), the packaged .vsix, the local sign-in and
// Kusto servers. Signs in with a device code as a person does, runs a timechart and a piechart query, checks the
// chart's canvas is drawn and saves screenshots in the folder printed at the start.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { signInWithDeviceCode } from '../../scripts/e2e/deviceCodeSignIn';
import { runQueryInEditor } from '../../scripts/e2e/querySteps';
import { SAMPLE_QUERIES_KQL } from '../../scripts/e2e/sampleWorkspace';
import { waitFor } from '../../scripts/e2e/workbench';

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
  const session = useCodeServerSession({ screenshotFolder: 'e2e-charts', workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL } });

  it('signs in with a device code', async () => {
    await session.workbench.openViewContainer('Kusto');
    await signInWithDeviceCode(session.workbench, session.stack);
  });

  async function runAndWaitForChart(query: string, kind: string): Promise<Frame> {
    const workbench = session.workbench;
    await runQueryInEditor(workbench, query);
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
    const workbench = session.workbench;
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
    const workbench = session.workbench;
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
