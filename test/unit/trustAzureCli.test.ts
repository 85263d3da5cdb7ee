import * as assert from 'node:assert/strict';
import { AzureCliError, getAzureCliToken, type ExecFileLike } from '../../src/core/auth/azureCliCredential';
import { resolveExecutable } from '../../src/core/auth/azureCliCommand';
import { InvalidClusterUrlError, parseClusterUrl } from '../../src/core/clusterUrl';

/**
 * What cmd.exe makes of `cmd /d /s /c "<line>"`: /s drops the outer quotes; then, outside quotes, ^ escapes the
 * next character and & | < > end the command. Returns the commands it would run, carets consumed.
 */
function cmdCommands(verbatimArgs: readonly string[]): string[] {
  assert.deepEqual(verbatimArgs.slice(0, 3), ['/d', '/s', '/c']);
  const quoted = verbatimArgs[3];
  assert.ok(quoted.startsWith('"') && quoted.endsWith('"'));
  const line = quoted.slice(1, -1);
  const commands: string[] = [];
  let current = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (!inQuotes && c === '^') {
      current += line[++i] ?? '';
    } else if (c === '"') {
      inQuotes = !inQuotes;
      current += c;
    } else if (!inQuotes && /[&|<>]/.test(c)) {
      commands.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  commands.push(current);
  return commands;
}

const AZ_CMD = 'C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin\\az.cmd';
const WINDOWS_ENV = { Path: 'C:\\Windows\\System32;.;C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin', ComSpec: 'C:\\Windows\\System32\\cmd.exe' };

describe('trust boundary 1: a cluster URL can never run a command', () => {
  it('refuses hosts outside the DNS/IP grammar with a clear error', () => {
    for (const input of ['https://x&calc.exe&.kusto.windows.net', 'https://x%26calc.kusto.windows.net', 'https://a"b.kusto.windows.net', 'https://a(b).net', 'https://-a.net']) {
      assert.throws(
        () => parseClusterUrl(input),
        (error: unknown) => error instanceof InvalidClusterUrlError && /host name/.test(error.message),
        input,
      );
    }
    assert.equal(parseClusterUrl('https://MyCluster.westeurope.kusto.windows.net:443/db').url, 'https://mycluster.westeurope.kusto.windows.net');
    assert.equal(parseClusterUrl('http://[::1]:8082').url, 'http://[::1]:8082');
    assert.equal(parseClusterUrl('https://10.0.0.4:8443').host, '10.0.0.4:8443');
    assert.equal(parseClusterUrl('https://bücher.kusto.windows.net').host, 'xn--bcher-kva.kusto.windows.net');
  });

  it('finds az by absolute path only, never in the current folder (a cloned repository)', () => {
    const files = new Set(['C:\\repo\\az.cmd', '.\\az.cmd', `${AZ_CMD}`]);
    const found = resolveExecutable('az', { platform: 'win32', env: { PATH: 'C:\\repo\\notabsolute;.;relative\\bin;C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin' }, isExecutable: (f) => files.has(f) });
    assert.equal(found, AZ_CMD);
    assert.equal(resolveExecutable('az', { platform: 'linux', env: { PATH: '.:bin:' }, isExecutable: () => true }), undefined);
    assert.equal(resolveExecutable('az', { platform: 'linux', env: { PATH: '/opt/x:/usr/bin' }, isExecutable: (f) => f === '/usr/bin/az' }), '/usr/bin/az');
  });

  it('on Windows runs az.cmd through cmd.exe so that only az gets the arguments, even a hostile one', async () => {
    const runs: { file: string; args: readonly string[]; options: Parameters<ExecFileLike>[2] }[] = [];
    const execFile: ExecFileLike = (file, args, options, callback) => {
      runs.push({ file, args, options });
      callback(null, JSON.stringify({ accessToken: 'x.y.z', expires_on: Math.floor(Date.now() / 1000) + 3600 }), '');
    };
    const common = { platform: 'win32' as const, env: WINDOWS_ENV, execFile, isExecutable: (f: string) => f === AZ_CMD };
    await getAzureCliToken('https://mycluster.kusto.windows.net', { ...common, tenant: 'contoso.onmicrosoft.com' });
    const [run] = runs;
    assert.equal(run.file, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe by absolute path, not found on PATH');
    assert.equal(run.options.shell, false);
    assert.equal(run.options.windowsVerbatimArguments, true);
    const commands = cmdCommands(run.args);
    assert.equal(commands.length, 1, `cmd sees one command: ${JSON.stringify(commands)}`);
    assert.ok(commands[0].startsWith(`${AZ_CMD} `));
    const batchArgs = cmdCommands(['/d', '/s', '/c', `"${commands[0].slice(AZ_CMD.length + 1)}"`]);
    assert.equal(batchArgs[0], '"account" "get-access-token" "--resource" "https://mycluster.kusto.windows.net" "--output" "json" "--tenant" "contoso.onmicrosoft.com"');

    // The attack from the audit, past the URL check (as if it were skipped): refused before anything runs.
    runs.length = 0;
    await assert.rejects(getAzureCliToken('https://x&calc.exe&.kusto.windows.net', common), (error: unknown) => error instanceof AzureCliError && /host name/.test(error.message));
    assert.equal(runs.length, 0, 'nothing was started');
  });

  it('escapes every cmd operator in an argument twice for a batch file, so neither pass of cmd splits the line', async () => {
    const { azureCliInvocation } = await import('../../src/core/auth/azureCliCommand');
    const invocation = azureCliInvocation(AZ_CMD, ['--resource', 'https://x&calc.exe&|type<c:\\secret>out'], 'win32', WINDOWS_ENV);
    const firstPass = cmdCommands(invocation.args);
    assert.equal(firstPass.length, 1);
    // cmd reads az.cmd's %* again: the arguments, carets of the first pass consumed, still form one command.
    const secondPass = cmdCommands(['/d', '/s', '/c', `"${firstPass[0].slice(AZ_CMD.length + 1)}"`]);
    assert.equal(secondPass.length, 1, JSON.stringify(secondPass));
    assert.ok(secondPass[0].includes('https://x&calc.exe&|type<c:\\secret>out'));
    assert.throws(() => azureCliInvocation(AZ_CMD, ['%PATH%'], 'win32', WINDOWS_ENV), /cannot be asked safely/);
  });

  it('on Linux and macOS starts the absolute path of az itself, with no shell', async () => {
    const runs: { file: string; args: readonly string[]; shell: boolean }[] = [];
    const execFile: ExecFileLike = (file, args, options, callback) => {
      runs.push({ file, args, shell: options.shell });
      callback(null, JSON.stringify({ accessToken: 'x.y.z', expires_on: Math.floor(Date.now() / 1000) + 3600 }), '');
    };
    await getAzureCliToken('https://help.kusto.windows.net', { platform: 'darwin', env: { PATH: '/usr/local/bin' }, execFile, isExecutable: (f) => f === '/usr/local/bin/az' });
    assert.deepEqual(runs, [{ file: '/usr/local/bin/az', args: ['account', 'get-access-token', '--resource', 'https://help.kusto.windows.net', '--output', 'json'], shell: false }]);
    await assert.rejects(
      getAzureCliToken('https://help.kusto.windows.net', { platform: 'linux', env: { PATH: '.' }, execFile, isExecutable: () => true }),
      (error: unknown) => error instanceof AzureCliError && error.reason === 'notInstalled',
    );
  });
});
