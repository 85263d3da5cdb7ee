// Tokens from an existing `az login` session: `az account get-access-token --resource <cluster>` as a subprocess
// (execFile of the absolute path found on PATH, no shell, with a timeout; on Windows az.cmd through cmd.exe with
// an escaped command line, see azureCliCommand.ts). The token is read from stdout and never logged.

import { execFile as nodeExecFile } from 'node:child_process';
import { parseClusterUrl } from '../clusterUrl';
import { azureCliInvocation, resolveExecutable } from './azureCliCommand';
import { isTenantAlias } from './authoritySettings';
import { redactSecrets } from './redact';

export type AzureCliFailureReason = 'notInstalled' | 'notLoggedIn' | 'timeout' | 'failed' | 'badOutput';

export class AzureCliError extends Error {
  constructor(readonly reason: AzureCliFailureReason, message: string) {
    super(message);
    this.name = 'AzureCliError';
  }
}

export interface AzureCliOptions {
  /** The executable; default `az` found on PATH. */
  readonly command?: string;
  /** Environment of the subprocess (its PATH decides which `az` runs); default this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Asks az for a token of this tenant (guest access); aliases such as organizations are not passed on. */
  readonly tenant?: string;
  readonly signal?: AbortSignal;
  /** Whose rules apply to finding and starting az (default this process's platform); tests use a fake one. */
  readonly platform?: NodeJS.Platform;
  /** Starts the process (default child_process.execFile); tests see exactly what would run. */
  readonly execFile?: ExecFileLike;
  /** Whether a file exists and may be run (default: the file system). */
  readonly isExecutable?: (file: string, platform: NodeJS.Platform) => boolean;
}

export type ExecFileLike = (
  file: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; timeout: number; maxBuffer: number; windowsHide: boolean; windowsVerbatimArguments: boolean; shell: false; signal?: AbortSignal; encoding: 'utf8' },
  callback: (error: Error | null, stdout: string, stderr: string) => void,
) => unknown;

export interface AzureCliToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
  readonly tenant?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const INSTALL_HINT = 'Install it from https://aka.ms/install-azure-cli and run "az login", or choose another way to sign in.';

/** Runs az for a token whose audience is `clusterUrl`; rejects with AzureCliError and an actionable message. */
export function getAzureCliToken(clusterUrl: string, options: AzureCliOptions = {}): Promise<AzureCliToken> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let resource: string;
  try {
    // Only a canonical resource (host grammar checked; a Monitor proxy's is its cloud's Kusto service, never its
    // path) ever reaches az's command line.
    resource = parseClusterUrl(clusterUrl).resource;
  } catch (error) {
    return Promise.reject(new AzureCliError('failed', error instanceof Error ? error.message : String(error)));
  }
  const args = ['account', 'get-access-token', '--resource', resource, '--output', 'json'];
  const tenant = options.tenant?.trim();
  if (tenant && !isTenantAlias(tenant)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(tenant)) {
      return Promise.reject(new AzureCliError('failed', `The tenant "${tenant}" is not a tenant id or domain.`));
    }
    args.push('--tenant', tenant);
  }
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const azPath = resolveExecutable(options.command ?? 'az', { platform, env, isExecutable: options.isExecutable });
  if (!azPath) {
    return Promise.reject(new AzureCliError('notInstalled', `Azure CLI (az) was not found on PATH. ${INSTALL_HINT}`));
  }
  let invocation: ReturnType<typeof azureCliInvocation>;
  try {
    invocation = azureCliInvocation(azPath, args, platform, env);
  } catch (error) {
    return Promise.reject(new AzureCliError('failed', error instanceof Error ? error.message : String(error)));
  }
  const run: ExecFileLike = options.execFile ?? (nodeExecFile as unknown as ExecFileLike);
  return new Promise<AzureCliToken>((resolve, reject) => {
    run(
      invocation.file,
      invocation.args,
      {
        env,
        timeout: timeoutMs,
        maxBuffer: 1024 * 1024,
        windowsHide: true,
        windowsVerbatimArguments: invocation.windowsVerbatimArguments,
        shell: false,
        signal: options.signal,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(toAzureCliError(error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }, String(stderr ?? ''), timeoutMs, tenant));
          return;
        }
        try {
          resolve(parseAzureCliTokenOutput(String(stdout)));
        } catch (parseError) {
          reject(parseError);
        }
      },
    );
  });
}

/** az's JSON: accessToken, expires_on (epoch seconds, newer az) or expiresOn (local time text, older az), tenant. */
export function parseAzureCliTokenOutput(stdout: string): AzureCliToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new AzureCliError('badOutput', 'Azure CLI answered with something that is not JSON; update it with "az upgrade" and try again.');
  }
  const body = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const accessToken = body.accessToken;
  if (typeof accessToken !== 'string' || !accessToken) {
    throw new AzureCliError('badOutput', 'Azure CLI returned no access token; run "az account get-access-token" in a terminal to see why.');
  }
  const epoch = typeof body.expires_on === 'number' ? body.expires_on : typeof body.expires_on === 'string' ? Number(body.expires_on) : NaN;
  let expiresOn = Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : undefined;
  if (!expiresOn && typeof body.expiresOn === 'string') {
    // "2025-01-31 14:03:05.000000" in the machine's local time zone.
    const local = new Date(body.expiresOn.trim().replace(' ', 'T').replace(/(\.\d{3})\d+$/, '$1'));
    expiresOn = Number.isNaN(local.getTime()) ? undefined : local;
  }
  if (!expiresOn) {
    throw new AzureCliError('badOutput', 'Azure CLI returned a token without a readable expiry time; update it with "az upgrade".');
  }
  return { accessToken, expiresOn, tenant: typeof body.tenant === 'string' ? body.tenant : undefined };
}

function toAzureCliError(
  error: NodeJS.ErrnoException & { killed?: boolean; signal?: string | null },
  stderr: string,
  timeoutMs: number,
  tenant: string | undefined,
): AzureCliError {
  if (error.code === 'ENOENT') {
    return new AzureCliError('notInstalled', `Azure CLI (az) was not found on PATH. ${INSTALL_HINT}`);
  }
  if (error.name === 'AbortError') {
    return new AzureCliError('failed', 'The Azure CLI token request was cancelled.');
  }
  if (error.killed || error.signal === 'SIGTERM') {
    return new AzureCliError('timeout', `Azure CLI did not answer within ${Math.round(timeoutMs / 1000)} s. Run "az account get-access-token" in a terminal to see whether it waits for input.`);
  }
  const detail = redactSecrets(stderr.replace(/\s+/g, ' ').trim()).slice(0, 400);
  if (/az login|please run ['"]?az login|no subscription found|not logged in/i.test(stderr)) {
    const login = tenant && !isTenantAlias(tenant) ? `az login --tenant ${tenant}` : 'az login';
    return new AzureCliError('notLoggedIn', `Azure CLI is not signed in${tenant ? ` to tenant ${tenant}` : ''}: run "${login}" in a terminal, then try again.${detail ? ` (az said: ${detail})` : ''}`);
  }
  if (/not recognized as an internal or external command|command not found/i.test(stderr)) {
    return new AzureCliError('notInstalled', `Azure CLI (az) was not found on PATH. ${INSTALL_HINT}`);
  }
  return new AzureCliError('failed', `Azure CLI could not get a token${detail ? `: ${detail}` : ` (exit code ${String(error.code ?? 'unknown')})`}`);
}
