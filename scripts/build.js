#!/usr/bin/env node
// `npm run build` (also run by `prepare`, so `npm ci` in a checkout and `npm pack` both build): compiles the library
// and the CLI with tsconfig.build.json into dist/ (ES modules, .d.ts, declaration maps), copies the visualizer's
// static assets beside the compiled server, and writes dist/cli/command-manifest.json — every command's name, summary,
// usage and options — so that `gantry --help` and `gantry COMMAND --help` read one JSON file instead of importing
// every command (and the engine, PGlite, kysely behind them). The sources have no manifest: from a checkout
// (bin/gantry-dev.js) help imports the commands, so it can never be stale there.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
// The native TypeScript compiler of our devDependencies (typescript 7), which emits JavaScript and declarations.
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
cpSync(join(root, 'visualizer', 'assets'), join(dist, 'visualizer', 'assets'), { recursive: true });

const { commandRegistry } = await import(pathToFileURL(join(dist, 'cli', 'command-registry.js')).href);
const manifest = (await commandRegistry.loadAll()).map(({ run: _run, ...info }) => info);
writeFileSync(join(dist, 'cli', 'command-manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`dist/: built, ${manifest.length} commands in dist/cli/command-manifest.json`);
