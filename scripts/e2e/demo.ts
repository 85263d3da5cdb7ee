// The demo (scripts/demo.sh): the local sign-in and Kusto servers plus a real VS Code (code-server) with the packaged
// extension installed and configured for them; stays up until Ctrl+C, then stops every process it started.
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../../src/localServers/localStack';
import { findRepoRoot, kustoSettingsFor, startCodeServer, type RunningCodeServer } from './codeServer';
import { SAMPLE_QUERIES_KQL } from './sampleWorkspace';

async function main(): Promise<void> {
  const repoRoot = findRepoRoot();
  const vsixPath = process.env.KUSTO_VSIX ?? join(repoRoot, 'dist', 'kusto-explorer.vsix');
  const port = Number(process.env.KUSTO_DEMO_PORT ?? '0');

  const demoDir = process.env.KUSTO_DEMO_DIR ?? mkdtempSync(join(tmpdir(), 'kusto-demo-'));
  mkdirSync(demoDir, { recursive: true });
  const serverLogPath = join(demoDir, 'local-servers.log');
  // One line per request (never token text), kept in a file so the console stays readable.
  const stack = await startLocalStack({ log: (line) => appendFileSync(serverLogPath, `${line}\n`) });
  let codeServer: RunningCodeServer | undefined;
  let stopping = false;
  const stopAll = async (exitCode: number): Promise<void> => {
    // Ctrl+C reaches both this process and demo.sh, which then sends SIGTERM: stop once, and finish stopping.
    if (stopping) {
      return;
    }
    stopping = true;
    console.log('\nStopping code-server and the local servers…');
    await codeServer?.stop().catch(() => undefined);
    await stack.close().catch(() => undefined);
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    codeServer = await startCodeServer({
      vsixPath,
      port,
      settings: kustoSettingsFor({ kustoUrl: stack.kusto.url, signInOrigin: stack.signIn.origin }),
      extraCaCertificatePath: stack.signIn.caCertificatePath,
      workspaceFiles: { 'queries.kql': SAMPLE_QUERIES_KQL },
      workDir: join(demoDir, 'code-server'),
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    await stopAll(1);
    return;
  }

  // demo.sh reads this to stop code-server's process group even if this launcher dies without cleaning up.
  writeFileSync(join(demoDir, 'code-server.pgid'), String(codeServer.pid));
  const lines = [
    '',
    'Kusto Explorer demo is running.',
    '',
    `  Open VS Code in your browser:  ${codeServer.workbenchUrl}`,
    `  code-server password:          ${codeServer.password}   (shown only here; anyone with it gets a shell as you)`,
    '',
    '  1. Click the Kusto icon in the activity bar, then "Sign In" (or F1 → "Kusto: Sign In").',
    '  2. VS Code shows a device code. Open the sign-in page below (accept its self-signed certificate),',
    '     type the code and approve:',
    `       ${stack.signIn.origin}/devicelogin`,
    '  3. Expand the "local" cluster, right-click a table → "Query First 100 Rows",',
    '     or open queries.kql and press Shift+Enter on a query.',
    '',
    `  Local Kusto server:   ${stack.kusto.url}`,
    `  Local sign-in server: ${stack.signIn.authority()}`,
    `  Local servers log:    ${serverLogPath}`,
    `  code-server log:      ${codeServer.serverLogPath}`,
    `  VS Code logs:         ${codeServer.logsDir}`,
    '',
    'Press Ctrl+C to stop everything.',
  ];
  console.log(lines.join('\n'));
  // Stay alive until a signal arrives.
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
