#!/usr/bin/env node
// `npm run build` (also run by `prepare`, so `npm ci` in a checkout and `npm pack` both build): compiles the library
// and the CLI with tsconfig.build.json into dist/ (ES modules, .d.ts, declaration maps), copies the visualizer's
// static assets beside the compiled server, and writes dist/cli/command-manifest.json — every command's name, summary,
// usage and options — so that `gantry --help` and `gantry COMMAND --help` read one JSON file instead of importing
// every command (and the engine, PGlite, kysely behind them). The sources have no manifest: from a checkout
// (bin/gantry-dev.js) help imports the commands, so it can never be stale there.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// `--out DIR` builds elsewhere (the tests' private build, test/support/cli-build.ts); `--no-declarations` skips the
// .d.ts files nobody reads there. The default is the package's own dist/ with declarations.
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const dist = outAt >= 0 ? resolve(args[outAt + 1] ?? '') : join(root, 'dist');
const declarations = !args.includes('--no-declarations');

rmSync(dist, { recursive: true, force: true });
// The native TypeScript compiler of our devDependencies (typescript 7), which emits JavaScript and declarations.
const tscArgs = ['-p', join(root, 'tsconfig.build.json'), '--outDir', dist];
if (!declarations) tscArgs.push('--declaration', 'false', '--declarationMap', 'false');
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), tscArgs, { stdio: 'inherit' });
cpSync(join(root, 'visualizer', 'assets'), join(dist, 'visualizer', 'assets'), { recursive: true });

const { commandRegistry } = await import(pathToFileURL(join(dist, 'cli', 'command-registry.js')).href);
const manifest = (await commandRegistry.loadAll()).map(({ run: _run, ...info }) => info);
writeFileSync(join(dist, 'cli', 'command-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`${relative(root, dist)}/: built, ${manifest.length} commands in its cli/command-manifest.json`);
