// Builds the two bundles: the extension (Node, CommonJS) and the results webview (browser).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { writeThirdPartyNotices } from './thirdPartyNotices.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// MSAL and undici are large (~1.8 MB) and only needed on the first sign-in or request: they go into bundles of
// their own under dist/vendor, so activation parses only the extension's own code.
const VENDOR_PACKAGES = { '@azure/msal-node': 'msal-node', undici: 'undici' };
const vendorAsExternal = {
  name: 'vendor-as-external',
  setup(build) {
    build.onResolve({ filter: /^(@azure\/msal-node|undici)$/ }, (args) => ({
      path: `./vendor/${VENDOR_PACKAGES[args.path]}.js`,
      external: true,
    }));
    // The MCP SDK (for agent access over MCP) is reached only through src/core/agents/mcpSdk.ts, loaded when the
    // MCP server starts: that module is its own vendor bundle.
    build.onResolve({ filter: /\/mcpSdk$/ }, () => ({ path: './vendor/mcp-sdk.js', external: true }));
  },
};

const vendor = {
  entryPoints: { ...Object.fromEntries(Object.entries(VENDOR_PACKAGES).map(([pkg, name]) => [name, pkg])), 'mcp-sdk': 'src/core/agents/mcpSdk.ts' },
  outdir: 'dist/vendor',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  logLevel: 'info',
};

const extension = {
  entryPoints: ['src/extension.ts'],
  plugins: [vendorAsExternal],
  outfile: 'dist/extension.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

// Kusto.Language (two global scripts, ~5 MB) runs only inside the language worker, its own bundle; the scripts are
// copied as they are and loaded by the worker on the first kql document.
const languageWorker = {
  entryPoints: ['src/core/language/languageWorker.ts'],
  outfile: 'dist/languageWorker.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};
const KUSTO_LANGUAGE_FILES = ['bridge.min.js', 'Kusto.Language.Bridge.min.js'];
mkdirSync('dist/vendor/kusto-language', { recursive: true });
for (const file of KUSTO_LANGUAGE_FILES) {
  cpSync(`node_modules/@kusto/language-service-next/${file}`, `dist/vendor/kusto-language/${file}`);
}

const webview = {
  entryPoints: ['webview/main.ts'],
  outfile: 'dist/webview/main.js',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

// Apache ECharts (~0.6 MB minified) is a bundle of its own, loaded by the page only when it first shows a chart.
const chart = { ...webview, entryPoints: ['webview/chart/chartBundle.ts'], outfile: 'dist/webview/chart.js', legalComments: 'linked' };

mkdirSync('dist/webview', { recursive: true });
cpSync('webview/styles.css', 'dist/webview/styles.css');
if (watch) {
  await esbuild.build(vendor);
  const contexts = await Promise.all([esbuild.context(extension), esbuild.context(languageWorker), esbuild.context(webview), esbuild.context(chart)]);
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const builds = [vendor, extension, languageWorker, webview, chart].map((options) => esbuild.build({ ...options, metafile: true }));
  const metafiles = (await Promise.all(builds)).map((result) => result.metafile);
  writeThirdPartyNotices(metafiles, ['node_modules/@kusto/language-service-next'], 'dist/ThirdPartyNotices.txt', {
    '@kusto/language-service-next': [
      'MIT License',
      '',
      'Copyright (c) Microsoft Corporation.',
      '',
      'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated',
      'documentation files (the "Software"), to deal in the Software without restriction, including without limitation',
      'the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to',
      'permit persons to whom the Software is furnished to do so, subject to the following conditions:',
      '',
      'The above copyright notice and this permission notice shall be included in all copies or substantial portions of',
      'the Software.',
      '',
      'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO',
      'THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE',
      'AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,',
      'TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE',
      'SOFTWARE.',
      '',
      'bridge.min.js is the Bridge.NET runtime 17.10.1, Copyright 2008-2019 Object.NET, Inc., under the Apache License 2.0',
      '(https://github.com/bridgedotnet/Bridge/blob/master/LICENSE.md; the licence text is in this file, e.g. under echarts).',
    ].join('\n'),
  });
}
