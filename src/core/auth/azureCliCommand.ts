// How `az` is started: found as an absolute path on PATH (never in the current folder, which may be a cloned
// repository), and run without a shell. On Windows az is az.cmd, which Node can only start through cmd.exe: the
// command line given to cmd.exe is then quoted and caret-escaped so that cmd sees one command, az, and nothing
// in an argument can end it and start another.

import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';

export interface AzureCliInvocation {
  /** Absolute path of what is started (az itself, or cmd.exe for az.cmd). */
  readonly file: string;
  readonly args: readonly string[];
  /** True for cmd.exe: the command line is passed exactly as built here. */
  readonly windowsVerbatimArguments: boolean;
}

export interface ExecutableLookup {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  /** True when `file` is an existing file this process may run; default: the file system. */
  readonly isExecutable?: (file: string, platform: NodeJS.Platform) => boolean;
}

/** Extensions Windows runs without a shell of its own choosing, in PATHEXT's usual order. */
const WINDOWS_EXTENSIONS = ['.com', '.exe', '.bat', '.cmd'];
/** cmd.exe's special characters (cross-spawn's list): each is escaped with ^ outside of quotes. */
const CMD_META = /([()\][%!^"`<>&|;, *?])/g;
/** What cannot be made safe for a batch file's %* expansion, whatever the escaping. */
const BATCH_UNSAFE = /[%!"\r\n\0]/;

function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') {
    return env[name];
  }
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? env[key] : undefined;
}

function defaultIsExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) {
      return false;
    }
    if (platform !== 'win32') {
      accessSync(file, constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `command` (a name such as `az`, or an absolute path), looked up only in the absolute
 * folders of PATH; undefined when it is not there. Relative PATH entries (`.`, empty) are skipped on purpose.
 */
export function resolveExecutable(command: string, lookup: ExecutableLookup): string | undefined {
  const paths = lookup.platform === 'win32' ? path.win32 : path.posix;
  const isExecutable = lookup.isExecutable ?? defaultIsExecutable;
  const windows = lookup.platform === 'win32';
  const candidatesFor = (base: string): string[] => {
    if (!windows || WINDOWS_EXTENSIONS.includes(paths.extname(base).toLowerCase())) {
      return [base];
    }
    return WINDOWS_EXTENSIONS.map((extension) => `${base}${extension}`);
  };
  if (paths.isAbsolute(command)) {
    return candidatesFor(command).find((file) => isExecutable(file, lookup.platform));
  }
  if (command.includes('/') || command.includes('\\')) {
    return undefined; // a relative path would depend on the current folder
  }
  const separator = windows ? ';' : ':';
  for (const dir of (envValue(lookup.env, 'PATH', lookup.platform) ?? '').split(separator)) {
    const folder = dir.trim().replace(/^"(.*)"$/, '$1');
    if (!folder || !paths.isAbsolute(folder)) {
      continue;
    }
    const found = candidatesFor(paths.join(folder, command)).find((file) => isExecutable(file, lookup.platform));
    if (found) {
      return found;
    }
  }
  return undefined;
}

/** How to start the resolved `az` with `args`, with no shell; throws when an argument cannot be passed safely. */
export function azureCliInvocation(azPath: string, args: readonly string[], platform: NodeJS.Platform, env: NodeJS.ProcessEnv): AzureCliInvocation {
  const isBatch = platform === 'win32' && /\.(cmd|bat)$/i.test(azPath);
  if (!isBatch) {
    return { file: azPath, args: [...args], windowsVerbatimArguments: false };
  }
  const unsafe = [azPath, ...args].find((arg) => BATCH_UNSAFE.test(arg));
  if (unsafe !== undefined) {
    throw new Error(`The Azure CLI cannot be asked safely with the argument "${unsafe}" (it contains %, !, a quote or a line break).`);
  }
  const line = [escapeCmdCommand(azPath), ...args.map((arg) => escapeCmdArgument(arg, true))].join(' ');
  return { file: commandInterpreter(env), args: ['/d', '/s', '/c', `"${line}"`], windowsVerbatimArguments: true };
}

/** cmd.exe by its absolute path (ComSpec when absolute, else the system folder's), never a `cmd` found on PATH. */
function commandInterpreter(env: NodeJS.ProcessEnv): string {
  const comSpec = envValue(env, 'ComSpec', 'win32');
  if (comSpec && path.win32.isAbsolute(comSpec) && /\\cmd\.exe$/i.test(comSpec)) {
    return comSpec;
  }
  const systemRoot = envValue(env, 'SystemRoot', 'win32');
  return path.win32.join(systemRoot && path.win32.isAbsolute(systemRoot) ? systemRoot : 'C:\\Windows', 'System32', 'cmd.exe');
}

function escapeCmdCommand(command: string): string {
  return command.replace(CMD_META, '^$1');
}

/**
 * Quotes an argument as the C runtime reads it, then escapes cmd's special characters with ^ — twice for a
 * batch file, whose %* is read by cmd a second time.
 */
export function escapeCmdArgument(argument: string, forBatchFile: boolean): string {
  let quoted = argument.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, '$1$1');
  quoted = `"${quoted}"`.replace(CMD_META, '^$1');
  return forBatchFile ? quoted.replace(CMD_META, '^$1') : quoted;
}
