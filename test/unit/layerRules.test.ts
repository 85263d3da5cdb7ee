// The layer rules of eslint.config.mjs, run as the build runs them: a crossing is reported, the allowed imports
// of each layer are not. If a rule silently stopped matching (a renamed folder, a config typo), these fail.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

async function layerErrors(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(source, { filePath: path.join(repoRoot, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'local/layers').map((m) => m.message);
}

describe('layer rules (eslint.config.mjs)', function () {
  this.timeout(30000);

  it('refuses vscode in the core, and glue code reached from the core', async () => {
    const errors = await layerErrors(
      'src/core/kusto/example.ts',
      "import * as vscode from 'vscode';\nimport { registerAuth } from '../../auth/registerAuth';\nexport const x = [vscode, registerAuth];\n",
    );
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0], /may not import "vscode"/);
    assert.match(errors[1], /only src\/core, src\/shared may be imported/);
  });

  it('lets the core import the core and node built-ins', async () => {
    const errors = await layerErrors(
      'src/core/kusto/example.ts',
      "import { parseClusterUrl } from '../clusterUrl';\nimport * as zlib from 'node:zlib';\nexport const x = [parseClusterUrl, zlib];\n",
    );
    assert.deepEqual(errors, []);
  });

  it('keeps the webview to itself and the shared protocol', async () => {
    const errors = await layerErrors(
      'webview/example.ts',
      [
        "import { viewKey } from '../src/shared/resultsProtocol';",
        "import { rowsOf } from '../src/core/kusto/kustoRows';",
        "import { readFileSync } from 'node:fs';",
        "import * as vscode from 'vscode';",
        'export const x = [viewKey, rowsOf, readFileSync, vscode];',
      ].join('\n'),
    );
    assert.equal(errors.length, 3, errors.join('\n'));
    assert.ok(errors.some((e) => e.includes('src/core/kusto/kustoRows')));
    assert.ok(errors.some((e) => e.includes('"node:fs"')));
    assert.ok(errors.some((e) => e.includes('"vscode"')));
  });

  it('refuses the local servers in shipped code, also as a dynamic import', async () => {
    const errors = await layerErrors(
      'src/query/example.ts',
      "export async function load() { return import('../localServers/kusto/kustoServer'); }\n",
    );
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /src\/localServers is out of bounds/);
  });

  it('lets the shared protocol take types (only types) from the core result model', async () => {
    const typeOnly = await layerErrors(
      'src/shared/example.ts',
      "import type { KustoScalarType } from '../core/kusto/resultTypes';\nexport type T = KustoScalarType;\n",
    );
    assert.deepEqual(typeOnly, []);
    const value = await layerErrors(
      'src/shared/example.ts',
      "import { rowsOf } from '../core/kusto/kustoRows';\nexport const x = rowsOf;\n",
    );
    assert.equal(value.length, 1);
  });
});
