// Layers enforced by the build, not by memory (docs/architecture.md, "Layers"). Each rule names the layer a file
// belongs to and what it may import; `npm run lint` fails on a crossing, and scripts/test-all.sh runs it.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const repoRoot = path.dirname(fileURLToPath(import.meta.url));
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** Repository-relative path (forward slashes) of what a relative import names, or undefined for a package. */
function importedRepoPath(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  return path.relative(repoRoot, path.resolve(path.dirname(fromFile), specifier)).split(path.sep).join('/');
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * One rule, configured per layer: `forbidPackages` (bare specifiers, node builtins with `node:*`), `allowRelative`
 * (repository path prefixes a relative import may reach; absent = any) and `forbidRelative` (prefixes it may not).
 */
const layerRule = {
  meta: {
    type: 'problem',
    schema: [
      {
        type: 'object',
        properties: {
          layer: { type: 'string' },
          forbidPackages: { type: 'array', items: { type: 'string' } },
          allowRelative: { type: 'array', items: { type: 'string' } },
          forbidRelative: { type: 'array', items: { type: 'string' } },
          typesFrom: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      package: '{{layer}} may not import "{{specifier}}" ({{why}}).',
      relative: '{{layer}} may not import "{{specifier}}" ({{target}}): {{why}}.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const layer = options.layer ?? 'this layer';
    const forbidPackages = options.forbidPackages ?? [];
    const check = (node, specifier, typeOnly = false) => {
      if (typeof specifier !== 'string') return;
      const target = importedRepoPath(context.filename, specifier);
      const within = (prefixes) => prefixes.some((prefix) => target === prefix || target.startsWith(`${prefix}/`));
      // Types vanish at build time: a type-only import from an allowed place bundles nothing.
      if (typeOnly && target !== undefined && options.typesFrom && within(options.typesFrom)) return;
      if (target === undefined) {
        const name = packageName(specifier);
        const forbidden = forbidPackages.some((rule) =>
          rule === 'node:*' ? nodeBuiltins.has(specifier) || nodeBuiltins.has(name) : rule === name,
        );
        if (forbidden) context.report({ node, messageId: 'package', data: { layer, specifier, why: 'layer boundary' } });
        return;
      }
      if (options.allowRelative && !within(options.allowRelative)) {
        context.report({
          node,
          messageId: 'relative',
          data: { layer, specifier, target, why: `only ${options.allowRelative.join(', ')} may be imported` },
        });
      } else if (options.forbidRelative && within(options.forbidRelative)) {
        context.report({
          node,
          messageId: 'relative',
          data: { layer, specifier, target, why: `${options.forbidRelative.join(', ')} is out of bounds` },
        });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' &&
        check(node.moduleReference.expression, node.moduleReference.expression.value),
    };
  },
};

const local = { rules: { layers: layerRule } };

const noDefaultExports = {
  selector: 'ExportDefaultDeclaration',
  message: 'Named exports only (docs/architecture.md, Conventions).',
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.local/**', 'test-results/**', 'src/core/kusto/wasm/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { local },
    rules: { 'no-restricted-syntax': ['error', noDefaultExports] },
  },
  {
    // Shipped extension code: never the local servers, which are demo and test tooling.
    files: ['src/**/*.ts'],
    ignores: ['src/localServers/**'],
    rules: { 'local/layers': ['error', { layer: 'Shipped code (src/)', forbidRelative: ['src/localServers'] }] },
  },
  {
    // The core runs without VS Code (plain mocha) and never reaches into the glue above it.
    files: ['src/core/**/*.ts'],
    rules: {
      'local/layers': [
        'error',
        { layer: 'Core (src/core)', forbidPackages: ['vscode'], allowRelative: ['src/core', 'src/shared'] },
      ],
    },
  },
  {
    // Shared between host and page: plain data and pure functions, importable from a browser.
    files: ['src/shared/**/*.ts'],
    rules: {
      'local/layers': [
        'error',
        {
          layer: 'Shared protocol (src/shared)',
          forbidPackages: ['vscode', 'node:*'],
          allowRelative: ['src/shared'],
          typesFrom: ['src/core/kusto/resultTypes'],
        },
      ],
    },
  },
  {
    // The webview is a browser page: it talks to the host only through the typed protocol in src/shared.
    files: ['webview/**/*.ts'],
    rules: {
      'local/layers': [
        'error',
        { layer: 'Webview (webview/)', forbidPackages: ['vscode', 'node:*'], allowRelative: ['webview', 'src/shared'] },
      ],
    },
  },
  {
    // The local servers stand in for Microsoft's services and must not lean on the extension's own client code.
    files: ['src/localServers/**/*.ts'],
    rules: {
      'local/layers': [
        'error',
        { layer: 'Local servers (src/localServers)', forbidPackages: ['vscode'], forbidRelative: ['src/auth', 'src/explorer', 'src/query', 'src/results'] },
      ],
    },
  },
);
