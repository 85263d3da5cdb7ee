// A real results page in headless Chromium with a fake VS Code host: the page is the production bundle inside
// the production HTML document (same CSP), served over 127.0.0.1; `acquireVsCodeApi` is replaced by a bridge
// to Node, where the real ResultsController plays the extension side.

import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { KustoColumn, KustoResponse, KustoRow, KustoTable } from '../../src/core/kusto/resultTypes';
import { ResultsController } from '../../src/core/results/resultsController';
import { resultsPageDocument } from '../../src/core/results/resultsPageDocument';
import type { ExportFormat, ExtensionToPageMessage, PageToExtensionMessage, RunInfo } from '../../src/shared/resultsProtocol';
import { rowsOf } from '../../src/core/kusto/kustoRows';

// page.evaluate callbacks run in the browser; the Node test project has no DOM lib.
declare const window: { postMessage(message: unknown, targetOrigin: string): void };

const repoRoot = resolve(__dirname, '..', '..', '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Bundles webview/main.ts exactly as scripts/build.mjs does, into a temporary folder. */
export async function buildWebviewBundle(): Promise<{ dir: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'kusto-webview-'));
  const options = { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning' } as const;
  await Promise.all([
    build({ ...options, entryPoints: [join(repoRoot, 'webview', 'main.ts')], outfile: join(dir, 'main.js') }),
    // The chart bundle, which the page loads only when it first shows a chart (as dist/webview/chart.js).
    build({ ...options, entryPoints: [join(repoRoot, 'webview', 'chart', 'chartBundle.ts')], outfile: join(dir, 'chart.js'), minify: true }),
  ]);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Serves main.js, styles.css and the page document on 127.0.0.1. */
export async function serveWebview(bundleDir: string): Promise<{ origin: string; served: string[]; setDocument(html: string): void; close(): Promise<void> }> {
  let documentHtml = '';
  const served: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/main.js' || path === '/chart.js') {
      served.push(path);
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(join(bundleDir, path.slice(1))));
    } else if (path === '/styles.css') {
      res.writeHead(200, { 'content-type': 'text/css' }).end(readFileSync(join(repoRoot, 'webview', 'styles.css')));
    } else if (path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(documentHtml);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    served,
    setDocument: (html) => {
      documentHtml = html;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/** The page's view of VS Code: postMessage to Node, state kept in Node across reloads, CSP violations recorded. */
function fakeVsCodeApiScript(initialState: unknown): string {
  const state = JSON.stringify(initialState ?? null).replace(/</g, '\\u003c');
  return `
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
window.__alerts = 0;
const realAlert = window.alert;
window.alert = function () { window.__alerts++; return realAlert.apply(this, arguments); };
let __state = ${state};
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__kustoHostReceive(JSON.stringify(m)),
  getState: () => __state,
  setState: (s) => { __state = s; window.__kustoHostSetState(JSON.stringify(s)); },
});`;
}

export interface ResultsHarness {
  readonly page: Page;
  readonly controller: ResultsController;
  /** Every message the page sent, oldest first. */
  readonly received: PageToExtensionMessage[];
  readonly clipboard: string[];
  readonly revealed: { line: number; column: number }[];
  readonly cancelled: string[];
  exportTarget: string | undefined;
  /** Where a saved chart image goes (the save dialog's answer). */
  imageTarget: string | undefined;
  /** Loads (or reloads) the page; the state the page saved last is handed back, as VS Code does. */
  load(): Promise<void>;
  /** Resolves once every message posted so far has reached the page. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function openResultsHarness(browser: Browser, server: { origin: string; setDocument(html: string): void }, viewport = { width: 1200, height: 800 }): Promise<ResultsHarness> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const received: PageToExtensionMessage[] = [];
  const clipboard: string[] = [];
  const revealed: { line: number; column: number }[] = [];
  const cancelled: string[] = [];
  let savedState: unknown = null;
  let delivery: Promise<unknown> = Promise.resolve();

  const harness: ResultsHarness = {
    page,
    controller: undefined as unknown as ResultsController,
    received,
    clipboard,
    revealed,
    cancelled,
    exportTarget: undefined,
    imageTarget: undefined,
    load: async () => {
      server.setDocument(
        resultsPageDocument({
          cspSource: server.origin,
          nonce: `n${Math.random().toString(36).slice(2)}`,
          scriptUri: `${server.origin}/main.js`,
          styleUri: `${server.origin}/styles.css`,
          chartScriptUri: `${server.origin}/chart.js`,
          beforeScript: fakeVsCodeApiScript(savedState),
        }),
      );
      await page.goto(`${server.origin}/index.html`);
    },
    flush: async () => {
      await delivery;
    },
    close: async () => {
      await delivery.catch(() => undefined);
      await context.close();
    },
  };

  const controller = new ResultsController({
    post: (message: ExtensionToPageMessage) => {
      // As JSON text, as VS Code's webview.postMessage sends it: Playwright's own serialization of a page of rows
      // (every value tagged and checked) kept this process busy enough to slow the page on a 2-core machine.
      const json = JSON.stringify(message);
      delivery = delivery.then(() => page.evaluate((text) => window.postMessage(JSON.parse(text), '*'), json).catch(() => undefined));
    },
    writeClipboard: async (text) => {
      clipboard.push(text);
    },
    chooseExportFile: async (_format: ExportFormat) => harness.exportTarget,
    chooseImageFile: async () => harness.imageTarget,
    revealPosition: (_run, line, column) => revealed.push({ line, column }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  (harness as { controller: ResultsController }).controller = controller;

  await page.exposeFunction('__kustoHostReceive', (json: string) => {
    const message = JSON.parse(json) as PageToExtensionMessage;
    received.push(message);
    if (message.type === 'cancel') cancelled.push(message.runId);
    void controller.handleMessage(message);
  });
  await page.exposeFunction('__kustoHostSetState', (json: string) => {
    savedState = JSON.parse(json);
  });
  return harness;
}

// ---- data ----

export function runInfo(runId: string, queryText = 'StormEvents | take 10'): RunInfo {
  return { runId, clusterUrl: 'https://help.kusto.windows.net', database: 'Samples', queryText, startedAt: Date.now() };
}

export function responseOf(tables: KustoTable[], extra: Partial<KustoResponse> = {}): KustoResponse {
  return {
    endpoint: 'query',
    clientRequestId: 'KE.RunQuery;11111111-2222-3333-4444-555555555555',
    primaryResults: tables,
    allTables: tables,
    partialErrors: [],
    elapsedMs: 1234,
    statistics: { cpuTimeMs: 250, memoryPeakBytes: 3 * 1024 * 1024, scannedExtentsBytes: 5 * 1024 ** 3 },
    ...extra,
  };
}

export function tableOf(name: string, columns: KustoColumn[], rows: KustoRow[]): KustoTable {
  return { id: 0, name, kind: 'PrimaryResult', columns, rows: rowsOf(rows) };
}

/** A wide synthetic table: 20 columns of every kind, values derived from the row number (so tests can predict them). */
export function syntheticTable(rowCount: number): KustoTable {
  const columns: KustoColumn[] = [
    { name: 'RowNumber', type: 'long' },
    { name: 'Timestamp', type: 'datetime' },
    { name: 'Name', type: 'string' },
    { name: 'Value', type: 'real' },
    { name: 'Flag', type: 'bool' },
    { name: 'Duration', type: 'timespan' },
    { name: 'Id', type: 'guid' },
    { name: 'Props', type: 'dynamic' },
  ];
  for (let i = columns.length; i < 20; i++) columns.push({ name: `Col${i}`, type: i % 2 ? 'int' : 'string' });
  const start = Date.UTC(2024, 0, 1);
  const rows: KustoRow[] = new Array(rowCount);
  const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
  for (let r = 0; r < rowCount; r++) {
    const row: KustoRow = [
      r,
      `${new Date(start + r * 1000).toISOString().slice(0, 19)}.0000000Z`,
      `${names[r % 5]} ${r}`,
      r * 1.5,
      r % 2 === 0,
      '00:00:01.5000000',
      '3b8e0c6a-1f3c-4d2a-9a47-6c2f9d0e7b11',
      r % 10 === 0 ? { row: r, tags: ['a', 'b'] } : null,
    ];
    for (let i = 8; i < 20; i++) row.push(i % 2 ? (r * i) % 1000 : `s${i}-${r % 100}`);
    rows[r] = row;
  }
  return tableOf('PrimaryResult', columns, rows);
}
