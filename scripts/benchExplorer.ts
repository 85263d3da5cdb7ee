// The explorer on a 5,000-table database, as a person feels it: the packaged extension in code-server, the schema
// loaded (cached) once, then click-to-rows for the Tables group and one stretch of 500 tables, and keystroke-to-rows
// for the name filter, each measured inside the page (scripts/e2e/realClientSteps.ts). Run after `npm run package`:
//   node out/scripts/benchExplorer.js [repeats]
// Targets (issue 20): expand < 200 ms, filter < 100 ms. The explorer's own work per step is printed beside them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser } from 'playwright-core';
import { ExplorerModel, type ExplorerNode } from '../src/core/schema/explorerModel';
import type { DatabaseSchema, TableSchema } from '../src/core/schema/schemaModel';
import type { SchemaStore } from '../src/core/schema/schemaStore';
import { wideDatabase } from '../src/localServers/kusto/wideDatabase';
import { startLocalStack, type LocalStack } from '../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, locateTools, startCodeServer, type RunningCodeServer } from './e2e/codeServer';
import { signInWithDeviceCode } from './e2e/deviceCodeSignIn';
import { timeExpandToRows, timeFilter } from './e2e/realClientSteps';
import { launchChromium, Workbench } from './e2e/workbench';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The explorer model's own share: children of the Tables group and the filter, 5,000 tables × 100 columns. */
function modelFigures(): { expandMs: number; filterMs: number } {
  const tables = Array.from({ length: 5000 }, (_, index) => ({
    kind: 'table',
    name: `Table_${String(index).padStart(4, '0')}`,
    folder: '',
    docString: '',
    columns: Array.from({ length: 100 }, (__, column) => ({ name: `Column_${column}`, type: 'string', docString: '' })),
  })) as unknown as TableSchema[];
  const schema = { name: 'Wide', tables, materializedViews: [], externalTables: [], functions: [] } as unknown as DatabaseSchema;
  const store = { peekSchema: () => ({ status: 'loaded', value: schema }) } as unknown as SchemaStore;
  const model = new ExplorerModel(store);
  const group: ExplorerNode = { type: 'group', id: 'g', clusterUrl: 'https://c', database: 'Wide', name: 'Tables', group: 'tables', count: 5000 };
  const expand: number[] = [];
  const filter: number[] = [];
  for (let round = 0; round < 5; round++) {
    model.setFilter('');
    let started = performance.now();
    model.children(group);
    expand.push(performance.now() - started);
    model.setFilter(`Table_04${round}`);
    started = performance.now();
    model.children(group);
    filter.push(performance.now() - started);
  }
  return { expandMs: median(expand), filterMs: median(filter) };
}

async function main(): Promise<void> {
  const repeats = Math.max(1, Number(process.argv[2] ?? 3));
  const repoRoot = findRepoRoot(__dirname);
  const screenshots = mkdtempSync(join(tmpdir(), 'kusto-bench-explorer-'));
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  try {
    stack = await startLocalStack({ pollIntervalSeconds: 1, extraDatabases: [wideDatabase('Wide', 5000)] });
    codeServer = await startCodeServer({
      vsixPath: join(repoRoot, 'dist', 'kusto-explorer.vsix'),
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
    });
    browser = await launchChromium(locateTools(repoRoot).chromium);
    const workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshots);
    await workbench.openViewContainer('Kusto');
    await workbench.expandView('Explorer');
    await workbench.expandTreeRow(await workbench.waitForTreeRow('Explorer', /^local$/, { level: 1, timeoutMs: 60_000 }));
    await signInWithDeviceCode(workbench, stack);
    const expand: number[] = [];
    const stretch: number[] = [];
    const filter: number[] = [];
    for (let round = 0; round < repeats; round++) {
      await workbench.expandTreeRow(await workbench.waitForTreeRow('Explorer', /^Wide$/, { level: 2, timeoutMs: 60_000 }));
      const group = await workbench.waitForTreeRow('Explorer', /^Tables$/, { level: 3, timeoutMs: 60_000 });
      expand.push(await timeExpandToRows(group, 4, /^Table_0000 … Table_0499/));
      const first = await workbench.waitForTreeRow('Explorer', /^Table_0000 … Table_0499$/, { level: 4 });
      stretch.push(await timeExpandToRows(first, 5, /^Table_0000/));
      filter.push(await timeFilter(workbench, `Table_042${round % 10}`, 4, new RegExp(`Table_042${round % 10}`)));
      await workbench.runCommand('Kusto: Clear Explorer Filter');
      await workbench.page.waitForTimeout(500);
    }
    const model = modelFigures();
    console.log('| 5,000-table database (code-server, in-page) | median ms | target | explorer model alone (5,000 × 100 columns) |');
    console.log('|---|---|---|---|');
    console.log(`| expand Tables (click to rows) | ${median(expand).toFixed(0)} | < 200 | ${model.expandMs.toFixed(2)} ms |`);
    console.log(`| expand a stretch of 500 tables | ${median(stretch).toFixed(0)} | < 200 | |`);
    console.log(`| name filter (keystroke to rows) | ${median(filter).toFixed(0)} | < 100 | ${model.filterMs.toFixed(2)} ms |`);
  } catch (error) {
    console.error(`screenshots: ${screenshots}`);
    await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: join(screenshots, 'failure.png') }).catch(() => undefined);
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await stack?.close();
    if (codeServer) rmSync(codeServer.workDir, { recursive: true, force: true });
    if (process.exitCode === undefined) rmSync(screenshots, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
