// End to end: Kusto for AI agents in a real VS Code (code-server + Chromium), with the packaged .vsix and a small
// test extension (test/e2e/agentProbe) standing in for an agent: it invokes the Kusto language model tools with
// vscode.lm.invokeTool. Outside a chat session VS Code asks for the tool's confirmation in a modal dialog (its
// LanguageModelToolsService.invokeTool shows prepareInvocation's confirmationMessages with the dialog service),
// which is what a person accepts or declines here. In a chat the same message shows in the chat's confirmation.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogFiles } from '../../scripts/e2e/codeServer';
import { LOCAL_CLUSTER_NAME as CLUSTER_NAME, localClusterSettings, useCodeServerSession } from '../../scripts/e2e/codeServerSession';
import { approveOnSignInPage, copyCodeAndDeclineExternalPage, userCodeIn } from '../../scripts/e2e/deviceCodeSignIn';
import { escapeRegExp } from '../../scripts/e2e/querySteps';
import { waitFor, type Workbench } from '../../scripts/e2e/workbench';
const TOOL_NAMES = ['kusto_list_connections', 'kusto_get_schema', 'kusto_sample', 'kusto_run_query'];

interface ProbeResult {
  readonly ok: boolean;
  readonly id?: number;
  readonly text?: string;
  readonly error?: string;
  readonly errorName?: string;
  readonly tools?: Array<{ name: string; description: string }>;
}

describe('Kusto tools for AI agents in a real VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  const session = useCodeServerSession({
    screenshotFolder: 'e2e-agents',
    settings: (stack) => ({
      ...localClusterSettings(stack),
      // VS Code's MCP commands need its AI features on (the quiet defaults turn them off).
      'chat.disableAIFeatures': false,
    }),
    workspaceFiles: { 'notes.md': '# agent tools\n' },
    // The probe extension is installed first into the same profile; code-server then gets the Kusto extension.
    prepareWorkDir: ({ repoRoot, tools }) => {
      const workDir = mkdtempSync(join(tmpdir(), 'kusto-agents-e2e-'));
      const probeVsix = packageProbe(repoRoot, workDir);
      const install = spawnSync(
        tools.node24,
        [tools.codeServerEntry, '--user-data-dir', join(workDir, 'user-data'), '--extensions-dir', join(workDir, 'extensions'), '--install-extension', probeVsix, '--force'],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PATH: `${join(tools.node24, '..')}:${process.env.PATH ?? ''}` } },
      );
      assert.equal(install.status, 0, `installing the probe extension failed: ${install.stdout}\n${install.stderr}`);
      return workDir;
    },
    prepare: async ({ codeServer }) => console.log(`      code-server: ${codeServer.workbenchUrl}`),
  });
  let requestId = 0;

  /** Runs the probe's command and waits for the file it writes. */
  async function runProbe(command: string, onWaiting?: () => Promise<void>): Promise<ProbeResult> {
    const resultFile = join(session.codeServer.workspaceDir, 'probe-result.json');
    rmSync(resultFile, { force: true });
    await session.workbench.runCommand(`Kusto Agent Probe: ${command}`);
    let result: ProbeResult | undefined;
    await waitFor(
      async () => {
        if (existsSync(resultFile)) {
          result = JSON.parse(readFileSync(resultFile, 'utf8')) as ProbeResult;
          return true;
        }
        await onWaiting?.();
        return false;
      },
      90_000,
      `the probe extension's answer to "${command}"`,
    );
    return result!;
  }

  function writeRequest(name: string, input: Record<string, unknown>): number {
    requestId++;
    writeFileSync(join(session.codeServer.workspaceDir, 'probe-request.json'), JSON.stringify({ id: requestId, name, input }));
    return requestId;
  }

  /** VS Code's confirmation dialog for a tool call invoked outside a chat. */
  function confirmationDialog() {
    return session.workbench.page.locator('.monaco-dialog-box', { hasText: /Run a Kusto query\?|Sample a Kusto table\?/ }).first();
  }

  it('registers the four Kusto tools: vscode.lm.tools lists them with their descriptions', async () => {
    await session.workbench.openViewContainer('Kusto');
    let result: ProbeResult | undefined;
    await waitFor(
      async () => {
        result = await runProbe('List Language Model Tools');
        return TOOL_NAMES.every((name) => result!.tools?.some((tool) => tool.name === name));
      },
      60_000,
      'vscode.lm.tools to list the Kusto tools',
    );
    const runQuery = result!.tools!.find((tool) => tool.name === 'kusto_run_query')!;
    assert.match(runQuery.description, /KQL query/);
  });

  it('a query from an agent asks for confirmation showing cluster, database and query; accepted, it signs in on demand and returns rows', async () => {
    const query = 'StormEvents | summarize Events = count() by State | top 3 by Events';
    const id = writeRequest('kusto_run_query', { query });
    let confirmed = false;
    let approvedSignIn = false;
    const result = await runProbe('Invoke Tool', async () => {
      if (!confirmed && (await confirmationDialog().isVisible().catch(() => false))) {
        const text = await confirmationDialog().innerText();
        assert.match(text, new RegExp(escapeRegExp(new URL(session.stack.kusto.url).host)), `the confirmation does not name the cluster:\n${text}`);
        assert.match(text, /Database:\s*Samples/, `the confirmation does not name the database:\n${text}`);
        assert.match(text, /Always Allow Agent Queries on a Cluster/, `the confirmation does not say how to stop asking:\n${text}`);
        assert.ok(text.includes('StormEvents | summarize Events = count() by State'), `the confirmation does not show the query:\n${text}`);
        await session.workbench.screenshot('agent query confirmation');
        await acceptDialog(session.workbench);
        confirmed = true;
        return;
      }
      // Not signed in yet: the tool call brings up the normal device-code sign-in; a person approves it.
      if (confirmed && !approvedSignIn) {
        const dialog = session.workbench.page.locator('.monaco-dialog-box', { hasText: /devicelogin|code/i }).first();
        if (await dialog.isVisible().catch(() => false)) {
          const userCode = userCodeIn(await dialog.innerText());
          if (userCode) {
            await session.workbench.screenshot('sign-in asked by the agent tool');
            await copyCodeAndDeclineExternalPage(session.workbench);
            await approveOnSignInPage(session.workbench, session.stack, userCode);
            approvedSignIn = true;
          }
        }
      }
    });
    assert.ok(confirmed, 'no confirmation was asked');
    assert.ok(approvedSignIn, 'the tool did not ask to sign in');
    assert.equal(result.id, id);
    assert.equal(result.ok, true, result.error);
    assert.match(result.text!, /^Cluster local \(http:\/\/127\.0\.0\.1:\d+\), database Samples\./);
    assert.match(result.text!, /3 rows, 2 columns\./);
    assert.match(result.text!, /\| State \(string\) \| Events \(long\) \|/);
    assert.match(result.text!, /\| TEXAS \| \d+ \|/);
    assert.doesNotMatch(result.text!, /eyJ[\w-]+\.[\w-]+\./, 'a token in the tool result');
    await session.workbench.screenshot('agent query answered');
  });

  it('a declined confirmation refuses the call and nothing reaches the cluster', async () => {
    const query = 'StormEvents | take 2 // declined by the user';
    writeRequest('kusto_run_query', { query });
    let declined = false;
    const result = await runProbe('Invoke Tool', async () => {
      if (!declined && (await confirmationDialog().isVisible().catch(() => false))) {
        await declineDialog(session.workbench);
        declined = true;
      }
    });
    assert.ok(declined, 'no confirmation was asked');
    assert.equal(result.ok, false);
    assert.match(`${result.errorName} ${result.error}`, /cancel/i);
    assert.equal(session.stack.kusto.requests.filter((request) => request.csl === query).length, 0, 'the declined query was sent');
  });

  it('a management command other than .show is refused without asking and never sent', async () => {
    writeRequest('kusto_run_query', { query: '.show tables\n.drop table StormEvents' });
    let asked = false;
    const result = await runProbe('Invoke Tool', async () => {
      asked ||= await confirmationDialog().isVisible().catch(() => false);
    });
    assert.equal(asked, false, 'a confirmation was asked for a refused command');
    assert.equal(result.ok, true);
    assert.match(result.text!, /^Error: Only queries and read-only "\.show"/);
    assert.equal(session.stack.kusto.requests.filter((request) => request.csl?.includes('.drop')).length, 0);
  });

  it('the schema tool answers without a confirmation', async () => {
    writeRequest('kusto_get_schema', { table: 'StormEvents' });
    const result = await runProbe('Invoke Tool');
    assert.equal(result.ok, true, result.error);
    assert.match(result.text!, /^Table StormEvents in database Samples/);
    assert.match(result.text!, /\| StartTime \| datetime \|/);
  });

  it('"always allow on this cluster" lets the next query run without asking', async () => {
    await session.workbench.runCommand('Kusto: Always Allow Agent Queries on a Cluster…');
    await session.workbench.quickPickRow(new RegExp(`^${CLUSTER_NAME}`)).click();
    await session.workbench.waitForNotification(/without asking in this workspace/);
    writeRequest('kusto_sample', { table: 'StormEvents', rows: 4 });
    let asked = false;
    const result = await runProbe('Invoke Tool', async () => {
      asked ||= await confirmationDialog().isVisible().catch(() => false);
    });
    assert.equal(asked, false, 'asked although the cluster is always allowed');
    assert.equal(result.ok, true, result.error);
    assert.match(result.text!, /4 rows, \d+ columns\./);
    await session.workbench.runCommand('Kusto: Ask Again Before Agent Queries');
  });

  it('the Accounts view shows agent access; turning it off makes the tools refuse at once', async () => {
    await session.workbench.expandView('Accounts');
    const row = await session.workbench.waitForTreeRow('Accounts', /Agent access: on/, { level: 1, timeoutMs: 30_000 });
    await session.workbench.screenshot('accounts view with agent access on');
    await row.click();
    await session.workbench.waitForTreeRow('Accounts', /Agent access: off/, { level: 1, timeoutMs: 30_000 });
    await session.workbench.screenshot('accounts view with agent access off');
    writeRequest('kusto_run_query', { query: 'StormEvents | take 1 // while turned off' });
    let asked = false;
    const refused = await runProbe('Invoke Tool', async () => {
      asked ||= await confirmationDialog().isVisible().catch(() => false);
    });
    assert.equal(asked, false, 'a confirmation was asked while agent access is off');
    // VS Code may also have dropped the tools (their `when` clause): either way nothing ran.
    assert.match(refused.ok ? refused.text! : refused.error!, /agent access is turned off|not found|not contributed|tool/i);
    assert.equal(session.stack.kusto.requests.filter((request) => request.csl?.includes('while turned off')).length, 0);

    await session.workbench.runCommand('Kusto: Turn On Agent Access');
    await session.workbench.waitForTreeRow('Accounts', /Agent access: on/, { level: 1, timeoutMs: 30_000 });
  });
  it('offers the Kusto MCP server to VS Code: started from "MCP: List Servers", VS Code connects with the secret', async () => {
    await session.workbench.runCommand('MCP: List Servers');
    const server = session.workbench.quickPickRow(/Kusto/);
    await server.waitFor({ state: 'visible', timeout: 30_000 });
    await session.workbench.screenshot('MCP servers list with Kusto');
    await server.click();
    const start = session.workbench.quickPickRow(/Start Server/i);
    if (await start.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false)) {
      await start.click();
    }
    const kustoLog = (): string => readLogFiles(session.codeServer.logsDir, 'Kusto');
    await waitFor(async () => /Kusto MCP server listening on 127\.0\.0\.1:\d+/.test(kustoLog()), 60_000, 'the Kusto MCP server to start');
    await waitFor(async () => /MCP session \w+ started/.test(kustoLog()), 60_000, "VS Code's MCP client to open a session");
    assert.doesNotMatch(kustoLog(), /Refused an MCP request without the session secret/, 'VS Code did not send the secret');
    await session.workbench.dismissQuickInput().catch(() => undefined);
    // VS Code's own MCP output channel: the connection runs and the four tools were listed through it.
    await waitFor(async () => /Discovered\s+4\s+tools/.test((await session.workbench.page.locator('.part.panel').innerText().catch(() => '')) ?? ''), 30_000, 'VS Code to discover the 4 Kusto tools over MCP');
    const row = await session.workbench.waitForTreeRow('Accounts', /Agent access: on/, { level: 1, timeoutMs: 30_000 });
    await waitFor(async () => /MCP server running/.test((await row.textContent()) ?? ''), 30_000, 'the Accounts view to say the MCP server runs');
    await session.workbench.screenshot('accounts view with the MCP server running');
  });
});

/** Packages test/e2e/agentProbe into a .vsix in `workDir` (a copy, so the repository stays clean). */
function packageProbe(repoRoot: string, workDir: string): string {
  const source = join(repoRoot, 'test', 'e2e', 'agentProbe');
  const copy = join(workDir, 'agent-probe');
  mkdirSync(copy, { recursive: true });
  for (const file of readdirSync(source)) {
    copyFileSync(join(source, file), join(copy, file));
  }
  const vsix = join(workDir, 'agent-probe.vsix');
  const vsce = spawnSync(join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
    cwd: copy,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(vsce.status, 0, `packaging the probe extension failed: ${vsce.stdout}\n${vsce.stderr}`);
  return vsix;
}

async function acceptDialog(workbench: Workbench): Promise<void> {
  const dialog = workbench.page.locator('.monaco-dialog-box').first();
  await dialog.locator('.monaco-button', { hasText: /^(Yes|OK|Continue|Allow|Confirm)$/ }).first().click();
}

async function declineDialog(workbench: Workbench): Promise<void> {
  const dialog = workbench.page.locator('.monaco-dialog-box').first();
  await dialog.locator('.monaco-button', { hasText: /^(No|Cancel)$/ }).first().click();
}
