// `npm run servers`: starts the local sign-in server and the local Kusto server on fixed ports, prints how to use
// them, and takes a few commands on stdin (approve a device code, inject a fault). Stops cleanly on Ctrl+C.

import * as readline from 'node:readline';
import { LocalStack, startLocalStack } from './localStack';
import { validateFault } from './kusto/kustoServer';

export const DEFAULT_SIGN_IN_PORT = 48443;
export const DEFAULT_KUSTO_PORT = 48080;

interface CliOptions {
  signInPort: number;
  kustoPort: number;
  accessTokenLifetimeSeconds?: number;
  verbose: boolean;
}

const USAGE = `Usage: npm run servers -- [--sign-in-port <port>] [--kusto-port <port>] [--token-lifetime <seconds>] [--verbose]
Environment: KUSTO_LOCAL_SIGN_IN_PORT, KUSTO_LOCAL_KUSTO_PORT (flags win). Port 0 = any free port.`;

function parsePort(name: string, value: string | undefined): number {
  const port = Number(value);
  if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535 (got ${value === undefined ? 'nothing' : `"${value}"`}).\n${USAGE}`);
  }
  return port;
}

export function parseCliArguments(args: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const options: CliOptions = {
    signInPort: env.KUSTO_LOCAL_SIGN_IN_PORT ? parsePort('KUSTO_LOCAL_SIGN_IN_PORT', env.KUSTO_LOCAL_SIGN_IN_PORT) : DEFAULT_SIGN_IN_PORT,
    kustoPort: env.KUSTO_LOCAL_KUSTO_PORT ? parsePort('KUSTO_LOCAL_KUSTO_PORT', env.KUSTO_LOCAL_KUSTO_PORT) : DEFAULT_KUSTO_PORT,
    verbose: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inlineValue] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inlineValue ?? args[++i];
    switch (flag) {
      case '--sign-in-port':
        options.signInPort = parsePort('--sign-in-port', value());
        break;
      case '--kusto-port':
        options.kustoPort = parsePort('--kusto-port', value());
        break;
      case '--token-lifetime': {
        const raw = value();
        const seconds = Number(raw);
        if (!Number.isFinite(seconds) || seconds <= 0) {
          throw new Error(`--token-lifetime must be a positive number of seconds (got "${raw}").\n${USAGE}`);
        }
        options.accessTokenLifetimeSeconds = seconds;
        break;
      }
      case '--verbose':
        options.verbose = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`Unknown argument "${arg}".\n${USAGE}`);
    }
  }
  return options;
}

function printBanner(stack: LocalStack): void {
  const users = stack.signIn.users.map((u) => u.upn).join(', ');
  console.log(`
Local servers are running.

  Kusto cluster URL   ${stack.kusto.url}
                      databases: Samples, ContosoSales, SecurityLogs (bob@fabrikam.com may not read SecurityLogs)
  Sign-in authority   ${stack.signIn.authority()}
  CA certificate      ${stack.signIn.caCertificatePath}
                      (start VS Code with NODE_EXTRA_CA_CERTS=<this file> so the extension trusts the sign-in server)
  Users               ${users}

Extension settings for this setup:
  "kusto.signIn.authorityHost": "${stack.signIn.origin}"
  "kusto.clusters": [{ "url": "${stack.kusto.url}", "name": "Local", "defaultDatabase": "Samples" }]

Commands (type here):
  approve <user code> [upn]   approve a pending device code sign-in (default upn alice@contoso.com)
  deny <user code>            deny a pending device code
  pending                     list pending device codes
  fault <json>                inject a Kusto fault, e.g. fault {"kind":"status","status":503,"times":2}
  clear                       remove injected faults
  quit                        stop both servers (Ctrl+C works too)
`);
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliArguments(process.argv.slice(2), process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const stack = await startLocalStack({
    signInPort: options.signInPort,
    kustoPort: options.kustoPort,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds,
    log: options.verbose ? (line) => console.log(line) : undefined,
  });
  printBanner(stack);

  const announced = new Set<string>();
  const pendingWatcher = setInterval(() => {
    for (const pending of stack.signIn.pendingDeviceCodes()) {
      if (!announced.has(pending.userCode)) {
        announced.add(pending.userCode);
        console.log(`Device code sign-in waiting: ${pending.userCode} (scope ${pending.scope}). Type: approve ${pending.userCode} alice@contoso.com`);
      }
    }
  }, 500);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    clearInterval(pendingWatcher);
    console.log(`\n${signal}: stopping the local servers…`);
    input.close();
    await stack.close();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const input = readline.createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    const [command, ...rest] = line.trim().split(/\s+/);
    try {
      switch (command) {
        case '':
          break;
        case 'approve': {
          if (!rest[0]) {
            throw new Error('Usage: approve <user code> [upn]');
          }
          const upn = rest[1] ?? 'alice@contoso.com';
          stack.signIn.approveDeviceCode(rest[0], upn);
          console.log(`Approved ${rest[0]} as ${upn}.`);
          break;
        }
        case 'deny':
          if (!rest[0]) {
            throw new Error('Usage: deny <user code>');
          }
          stack.signIn.denyDeviceCode(rest[0]);
          console.log(`Denied ${rest[0]}.`);
          break;
        case 'pending': {
          const pending = stack.signIn.pendingDeviceCodes();
          console.log(pending.length ? pending.map((p) => `${p.userCode}  ${p.scope}  expires ${p.expiresAt.toISOString()}`).join('\n') : 'No pending device codes.');
          break;
        }
        case 'fault': {
          let parsed: unknown;
          try {
            parsed = JSON.parse(rest.join(' '));
          } catch {
            throw new Error('Usage: fault {"kind":"delay","ms":2000} — the fault must be JSON.');
          }
          stack.kusto.injectFault(validateFault(parsed));
          console.log('Fault injected.');
          break;
        }
        case 'clear':
          stack.kusto.clearFaults();
          console.log('Faults cleared.');
          break;
        case 'quit':
        case 'exit':
          void stop('quit');
          break;
        default:
          console.log(`Unknown command "${command}". Commands: approve, deny, pending, fault, clear, quit.`);
      }
    } catch (error) {
      console.log((error as Error).message);
    }
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`Could not start the local servers: ${(error as Error).message}`);
    process.exit(1);
  });
}
