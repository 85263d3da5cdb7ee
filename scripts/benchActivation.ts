// What activation costs before any feature is used: the size of each shipped bundle and the time Node takes to
// load dist/extension.js (MSAL and undici live in dist/vendor and must not be loaded then). Run after a build:
//   node out/scripts/benchActivation.js
// The time activate() itself takes inside VS Code is measured by the end-to-end suite from VS Code's own logs.

import * as fs from 'node:fs';
import * as path from 'node:path';
import Module = require('node:module');

const distDirectory = path.resolve(__dirname, '../../dist');

function bundleSizes(): { file: string; kb: number }[] {
  const files = ['extension.js', 'vendor/msal-node.js', 'vendor/undici.js', 'languageWorker.js', 'vendor/kusto-language/bridge.min.js', 'vendor/kusto-language/Kusto.Language.Bridge.min.js', 'webview/main.js', 'webview/styles.css', 'kusto-explorer.vsix'];
  return files
    .map((file) => path.join(distDirectory, file))
    .filter((file) => fs.existsSync(file))
    .map((file) => ({ file: path.relative(distDirectory, file), kb: fs.statSync(file).size / 1024 }));
}

/** Loads the extension bundle with a stand-in `vscode` module; returns the load time and what else it required. */
function loadExtensionBundle(): { ms: number; vendorLoaded: string[] } {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const originalLoad = loader._load;
  const required: string[] = [];
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') {
      return {};
    }
    required.push(request);
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    const started = process.hrtime.bigint();
    require(path.join(distDirectory, 'extension.js'));
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, vendorLoaded: required.filter((r) => r.includes('vendor')) };
  } finally {
    loader._load = originalLoad;
  }
}

const sizes = bundleSizes();
if (!sizes.some((s) => s.file === 'extension.js')) {
  console.error('dist/extension.js is missing: run `npm run build` (or `npm run package`) first.');
  process.exit(1);
}
console.log('| bundle | size |');
console.log('|---|---:|');
for (const { file, kb } of sizes) {
  console.log(`| ${file} | ${kb.toFixed(1)} KB |`);
}
const { ms, vendorLoaded } = loadExtensionBundle();
console.log(`\nLoading dist/extension.js: ${ms.toFixed(1)} ms; vendor bundles loaded at activation: ${vendorLoaded.length ? vendorLoaded.join(', ') : 'none'}`);
