// Puts the fake `az` (fakeAzCli.js, compiled next to this file) on a PATH of its own, as an executable named az,
// so the auth layer finds it exactly as it finds the real Azure CLI.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface FakeAzInstallation {
  /** A directory holding only `az`. */
  readonly binDir: string;
  /** A directory with no az in it ("not installed"). */
  readonly emptyDir: string;
  /** Every call's arguments, one JSON array per line. */
  readonly callLog: string;
  /** An environment whose PATH finds the fake az first (and node for its #! line). */
  env(variables: Record<string, string>): NodeJS.ProcessEnv;
  remove(): void;
}

export function installFakeAz(): FakeAzInstallation {
  const root = mkdtempSync(path.join(tmpdir(), 'kusto-fake-az-'));
  const binDir = path.join(root, 'bin');
  const emptyDir = path.join(root, 'empty');
  const callLog = path.join(root, 'calls.log');
  const script = path.join(__dirname, 'fakeAzCli.js');
  mkdirSync(binDir);
  mkdirSync(emptyDir);
  if (process.platform === 'win32') {
    writeFileSync(path.join(binDir, 'az.cmd'), `@"${process.execPath}" "${script}" %*\r\n`);
  } else {
    writeFileSync(path.join(binDir, 'az'), `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
    chmodSync(path.join(binDir, 'az'), 0o755);
  }
  return {
    binDir,
    emptyDir,
    callLog,
    env: (variables) => ({ ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`, FAKE_AZ_LOG: callLog, ...variables }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
