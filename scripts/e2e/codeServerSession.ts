// The setup every end-to-end suite shares, as mocha hooks: the local sign-in and Kusto servers (their log in the
// suite's screenshot folder), code-server with the packaged .vsix and settings for the local cluster, Chromium on
// the Workbench. A failed test leaves a screenshot and the notifications on screen; a failed run prints where the
// logs are and the "Kusto" output channel, and keeps VS Code's work folder. Call it inside a `describe`.
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, listLogFiles, locateTools, readLogFiles, startCodeServer, type RunningCodeServer, type ToolPaths } from './codeServer';
import { signInWithDeviceCode } from './deviceCodeSignIn';
import { launchChromium, Workbench } from './workbench';

export const LOCAL_CLUSTER_NAME = 'local';
export const LOCAL_DATABASE = 'Samples';

export interface CodeServerSessionOptions {
  /** Folder under test-results/ that gets a timestamped folder per run (screenshots, the local servers' log). */
  readonly screenshotFolder: string;
  /** Options of the local servers besides their log; the device-code grant polls every second unless set. */
  readonly stack?: Omit<LocalStackOptions, 'log'>;
  /** User settings; by default the local cluster (`local`, database `Samples`) and the local sign-in server. */
  readonly settings?: (stack: LocalStack) => Readonly<Record<string, unknown>>;
  /** Files written into the opened workspace folder, by relative path. */
  readonly workspaceFiles?: Readonly<Record<string, string>> | ((stack: LocalStack) => Readonly<Record<string, string>>);
  /** Makes VS Code's work folder before code-server starts (e.g. to install another extension into its profile). */
  readonly prepareWorkDir?: (context: { readonly repoRoot: string; readonly tools: ToolPaths }) => string;
  /** Steps at the end of the setup, once the Workbench is open (e.g. open a file or the Kusto view). */
  readonly prepare?: (session: CodeServerSession) => Promise<unknown>;
  /** Sign in with a device code (signInWithDeviceCode) after `prepare`, for suites whose every test needs the account. */
  readonly signIn?: boolean;
  /** Runs after the last test, failed or not, before anything stops (e.g. to read VS Code's logs). */
  readonly beforeStop?: (session: CodeServerSession) => void | Promise<void>;
  /** Time allowed for the whole setup, `prepare` included. */
  readonly setupTimeoutMs?: number;
}

export interface CodeServerSession {
  readonly repoRoot: string;
  /** This run's folder for screenshots and the local servers' log. */
  readonly screenshotDir: string;
  /** The local sign-in and Kusto servers' log (never token text). */
  readonly serverLogPath: string;
  readonly stack: LocalStack;
  readonly codeServer: RunningCodeServer;
  readonly workbench: Workbench;
  /** How long Workbench.open took (log in to code-server, Workbench ready). */
  readonly workbenchReadyMs: number;
  /** Whether a test or the setup has failed so far. */
  readonly anyFailure: boolean;
}

/** User settings that point the extension at the local servers, with the cluster every suite uses. */
export function localClusterSettings(stack: LocalStack): Record<string, unknown> {
  return kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin, clusterName: LOCAL_CLUSTER_NAME, defaultDatabase: LOCAL_DATABASE });
}

/** Registers before/afterEach/after hooks in the calling `describe`; the returned session's parts exist once `before` ran. */
export function useCodeServerSession(options: CodeServerSessionOptions): CodeServerSession {
  const repoRoot = findRepoRoot(__dirname);
  const screenshotDir = join(repoRoot, 'test-results', options.screenshotFolder, new Date().toISOString().replace(/[:.]/g, '-'));
  const serverLogPath = join(screenshotDir, 'local-servers.log');
  let stack: LocalStack | undefined;
  let codeServer: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let workbench: Workbench | undefined;
  let workbenchReadyMs = 0;
  let anyFailure = false;

  const started = <T>(part: T | undefined, name: string): T => {
    if (part === undefined) {
      throw new Error(`The end-to-end session has no ${name}: its setup did not run or did not get that far.`);
    }
    return part;
  };
  const session: CodeServerSession = {
    repoRoot,
    screenshotDir,
    serverLogPath,
    get stack() {
      return started(stack, 'local servers');
    },
    get codeServer() {
      return started(codeServer, 'code-server');
    },
    get workbench() {
      return started(workbench, 'Workbench');
    },
    get workbenchReadyMs() {
      return workbenchReadyMs;
    },
    get anyFailure() {
      return anyFailure;
    },
  };

  before(async function () {
    this.timeout(options.setupTimeoutMs ?? 240_000);
    try {
      const tools = locateTools(repoRoot);
      console.log(`      screenshots: ${screenshotDir}`);
      mkdirSync(screenshotDir, { recursive: true });
      const localServers = await startLocalStack({ pollIntervalSeconds: 1, ...options.stack, log: (line) => appendFileSync(serverLogPath, `${line}\n`) });
      stack = localServers;
      const workDir = options.prepareWorkDir?.({ repoRoot, tools });
      codeServer = await startCodeServer({
        vsixPath: process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix'),
        workDir,
        settings: (options.settings ?? localClusterSettings)(localServers),
        extraCaCertificatePath: localServers.signIn.caCertificatePath,
        workspaceFiles: typeof options.workspaceFiles === 'function' ? options.workspaceFiles(localServers) : options.workspaceFiles,
      });
      browser = await launchChromium(tools.chromium);
      const opening = Date.now();
      workbench = await Workbench.open(browser, codeServer.workbenchUrl, screenshotDir);
      workbenchReadyMs = Date.now() - opening;
      await options.prepare?.(session);
      if (options.signIn) {
        await signInWithDeviceCode(workbench, localServers);
      }
    } catch (error) {
      // Keep the work folder and print the logs, as for a failed test.
      anyFailure = true;
      console.log(`      setup failure screenshot: ${(await workbench?.screenshot('FAILED setup').catch(() => undefined)) ?? '(none)'}`);
      throw error;
    }
  });

  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state === 'failed') {
      anyFailure = true;
      console.log(`      failure screenshot: ${(await workbench?.screenshot(`FAILED ${test.title}`).catch(() => undefined)) ?? '(none)'}`);
      const notifications = await workbench?.notificationTexts().catch(() => []);
      if (notifications?.length) {
        console.log(`      notifications on screen: ${JSON.stringify(notifications)}`);
      }
    }
  });

  after(async function () {
    this.timeout(60_000);
    try {
      if (codeServer) {
        await options.beforeStop?.(session);
      }
    } finally {
      if (codeServer && anyFailure) {
        console.log(`      code-server log: ${codeServer.serverLogPath}`);
        console.log(`      local servers log: ${serverLogPath}`);
        console.log(`      VS Code logs:\n${listLogFiles(codeServer.logsDir).map((file) => `        ${file}`).join('\n')}`);
        console.log(`      "Kusto" output channel:\n${indent(readLogFiles(codeServer.logsDir, 'Kusto'))}`);
      }
      await browser?.close().catch(() => undefined);
      await codeServer?.stop();
      await stack?.close();
      if (codeServer && !anyFailure) {
        // VS Code's profile and logs are only worth keeping when something failed.
        rmSync(codeServer.workDir, { recursive: true, force: true });
      }
      console.log(`      screenshots: ${screenshotDir}`);
    }
  });

  return session;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}
