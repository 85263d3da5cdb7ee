// Writes the notices of the third-party code the .vsix ships: every npm package esbuild bundled (read from the
// builds' metafiles) and the files copied as they are (Kusto.Language). MIT and Apache-2.0 both ask that the
// licence text (and Apache's NOTICE) travel with the code.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LICENSE_FILE = /^(licen[cs]e|notice)(\.(md|txt))?$/i;

/** `node_modules/a/node_modules/@s/b/lib/x.js` → `node_modules/a/node_modules/@s/b` (the innermost package). */
export function packageRootOf(inputPath) {
  const normalized = inputPath.replace(/\\/g, '/');
  const at = normalized.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const rest = normalized.slice(at + 'node_modules/'.length).split('/');
  const nameParts = rest[0]?.startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1);
  return normalized.slice(0, at + 'node_modules/'.length) + nameParts.join('/');
}

/** Every package root whose files a set of esbuild metafiles lists as bundled inputs. */
export function bundledPackageRoots(metafiles) {
  const roots = new Set();
  for (const metafile of metafiles) {
    for (const [input, info] of Object.entries(metafile?.inputs ?? {})) {
      if (info.bytes === 0) continue;
      const root = packageRootOf(input);
      if (root) roots.add(root);
    }
  }
  return [...roots];
}

function noticeOf(root) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const texts = readdirSync(root)
    .filter((file) => LICENSE_FILE.test(file))
    .sort()
    .map((file) => readFileSync(join(root, file), 'utf8').trim());
  const license = typeof manifest.license === 'string' ? manifest.license : manifest.license?.type ?? 'see the package';
  const body = texts.length > 0 ? texts.join('\n\n') : `${license} licence (the package ships no licence file; its package.json names the licence).`;
  return { name: manifest.name, version: manifest.version, license, text: body };
}

/**
 * Writes `outFile` for the packages bundled by `metafiles` plus `copiedPackageRoots`, one section each, by name;
 * `addenda` adds text to a package's section (e.g. a runtime it embeds under a licence of its own).
 */
export function writeThirdPartyNotices(metafiles, copiedPackageRoots, outFile, addenda = {}) {
  const roots = [...new Set([...bundledPackageRoots(metafiles), ...copiedPackageRoots])].filter((root) => existsSync(join(root, 'package.json')));
  const byName = new Map();
  for (const root of roots) {
    const notice = noticeOf(root);
    byName.set(`${notice.name}@${notice.version}`, notice);
  }
  const sections = [...byName.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => `${'='.repeat(78)}\n${n.name} ${n.version} (${n.license})\n${'='.repeat(78)}\n\n${n.text}\n${addenda[n.name] ? `\n${addenda[n.name]}\n` : ''}`);
  const header =
    'Third-party notices\n\nThis extension ships code from the following packages, bundled or copied into dist/. Each is listed with\n' +
    'the licence and notices it is distributed under.\n\n';
  writeFileSync(outFile, header + sections.join('\n'));
  return [...byName.keys()];
}
