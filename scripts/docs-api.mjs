// `npm run docs`: the API reference, generated from the TSDoc of the public entry points into docs/api/ (not committed).
//
// TypeDoc needs the TypeScript compiler API, which the project's typescript 7 (native) does not have. So TypeDoc and
// typescript 6 live in their own small package, scripts/typedoc/ (own lockfile, installed here on first use), and
// TypeDoc resolves `typescript` from there while it reads our sources with our tsconfig. Nothing of it is in
// `npm test` or in the root lockfile.
//
// Entry points: the source of every subpath in package.json "exports" (`./dist/x/index.js` → `x/index.ts`), so the
// reference documents exactly what a service can import.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'scripts', 'typedoc');
const typedoc = join(tools, 'node_modules', 'typedoc', 'bin', 'typedoc');

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The TypeScript source behind one "exports" target, or null when it is not code (`./package.json`). */
function sourceOf(target) {
  const path = typeof target === 'string' ? target : (target?.types ?? target?.import ?? target?.default);
  if (typeof path !== 'string' || !/\.(d\.ts|js|ts)$/.test(path)) return null;
  const src = path.replace(/^\.\/dist\//, './').replace(/\.d\.ts$|\.js$/, '.ts');
  return existsSync(join(root, src)) ? src : null;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const exportsMap = typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports ?? {});
const entryPoints = [...new Set(Object.values(exportsMap).map(sourceOf).filter((s) => s !== null))];
if (entryPoints.length === 0) {
  console.error('npm run docs: package.json "exports" names no TypeScript entry point');
  process.exit(1);
}

if (!existsSync(typedoc)) run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], tools);

const out = join(root, 'docs', 'api');
run(
  process.execPath,
  [
    typedoc,
    '--tsconfig', join(root, 'tsconfig.json'),
    ...entryPoints.flatMap((e) => ['--entryPoints', e]),
    '--out', out,
    '--name', `${pkg.name} ${pkg.version}`,
    '--readme', 'none',
    '--excludePrivate',
    '--excludeInternal',
    '--sort', 'source-order',
    '--treatWarningsAsErrors', 'false',
    '--logLevel', 'Warn',
  ],
  root,
);
console.log(`API reference of ${entryPoints.join(', ')} in ${relative(root, out)}/index.html`);
