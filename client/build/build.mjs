/**
 * Builds miniprogram_dist/index.js: the ES module sources as one CommonJS file, for WeChat's "build npm" (which
 * reads the package's `miniprogram` folder) and for require(). No dependency: the sources are written in ES2017
 * syntax (no `?.`, `??`, object spread or optional catch binding), so that webpack 4 (uni-app Vue 2) parses them
 * as they are; this only changes the module format. The folder is checked in, because "build npm" and installs
 * from git or a path take the package as it is; a unit test fails when it differs from what the sources give, and
 * `npm pack` (prepack) writes it again.
 *
 *   node build/build.mjs          # writes miniprogram_dist/
 *   node build/build.mjs --check  # fails if miniprogram_dist/ is not what the sources give
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(CLIENT, 'src');
export const OUT = path.join(CLIENT, 'miniprogram_dist');

/** The modules reachable from src/index.js, dependencies first. */
function order(entry) {
  const seen = new Set();
  const list = [];
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(path.join(SRC, file), 'utf8');
    for (const match of code.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)';/gms)) {
      visit(path.posix.join(path.posix.dirname(file), match[1]));
    }
    list.push({ file, code });
  };
  visit(entry);
  return list;
}

function names(list) {
  return list.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const [from, as] = part.split(/\s+as\s+/);
    return { from: from.trim(), as: (as || from).trim() };
  });
}

function convert({ file, code }) {
  const exported = [];
  const dir = path.posix.dirname(file);
  const key = (spec) => JSON.stringify(path.posix.join(dir, spec));
  let body = code
    .replace(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)';/gm, (all, list, spec) =>
      `const { ${names(list).map((n) => (n.from === n.as ? n.from : `${n.from}: ${n.as}`)).join(', ')} } = modules[${key(spec)}];`)
    .replace(/^export\s*\{([^}]*)\}\s*from\s*'([^']+)';/gm, (all, list, spec) =>
      names(list).map((n) => `exports.${n.as} = modules[${key(spec)}].${n.from};`).join('\n'))
    .replace(/^export\s+(class|function|const|let|async function)\s+([A-Za-z_$][\w$]*)/gm, (all, kind, name) => {
      exported.push(name);
      return `${kind} ${name}`;
    });
  if (/^\s*(import|export)\s/m.test(body)) throw new Error(`${file}: an import or export this build does not handle`);
  body = body.trimEnd();
  const tail = exported.map((name) => `  exports.${name} = ${name};`).join('\n');
  return `// ---- src/${file}\nmodules[${JSON.stringify(file)}] = (function (exports) {\n${body}\n${tail}\n  return exports;\n})({});\n`;
}

export function buildText() {
  const pkg = JSON.parse(readFileSync(path.join(CLIENT, 'package.json'), 'utf8'));
  const parts = order('index.js').map(convert);
  return `/* ${pkg.name} ${pkg.version}: CommonJS build of src/ (node build/build.mjs); do not edit */\n'use strict';\n`
    + `var modules = {};\n${parts.join('\n')}\nmodule.exports = modules["index.js"];\n`;
}

const MARKER = JSON.stringify({ type: 'commonjs' }, null, 2) + '\n';

/** Every file of miniprogram_dist/, by name: the build, and the marker that makes Node read it as CommonJS. */
export function buildFiles() {
  return { 'index.js': buildText(), 'package.json': MARKER };
}

/** What differs between miniprogram_dist/ and what src/ gives: file names, empty when up to date. */
export function staleFiles() {
  const want = buildFiles();
  const have = existsSync(OUT) ? readdirSync(OUT) : [];
  const stale = have.filter((name) => !(name in want));
  for (const [name, text] of Object.entries(want)) {
    const file = path.join(OUT, name);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(name);
  }
  return stale.sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(`miniprogram_dist/ is not what src/ gives (${stale.join(', ')}): run node build/build.mjs`);
      process.exit(1);
    }
  } else {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    for (const [name, text] of Object.entries(buildFiles())) writeFileSync(path.join(OUT, name), text);
    console.log(`wrote ${path.relative(CLIENT, OUT)}/`);
  }
}
