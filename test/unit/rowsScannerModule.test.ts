import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';

describe('rows scanner WebAssembly module', () => {
  it('is what its AssemblyScript source compiles to (rebuild with node scripts/buildWasm.mjs)', async function () {
    this.timeout(60_000);
    const root = path.resolve(__dirname, '../../..');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['scripts/buildWasm.mjs', '--check'], { cwd: root }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${stderr}${stdout}`));
        } else {
          resolve(stdout);
        }
      });
    });
    assert.match(output, /rowsScannerWasm\.ts is up to date/);
  });
});
