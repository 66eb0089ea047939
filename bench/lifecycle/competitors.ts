/**
 * The competitors of bench/task-lifecycle.bench.ts (pg-boss, graphile-worker, DBOS Transact) live in
 * bench/competitors/, their own npm package with a Node 22 binary (the npm package `node`), because pg-boss needs
 * Node ≥ 22 and the root package runs on Node 20 (DBOS runs on either; it shares the package to share the protocol). This installs that package when missing and runs each contender (Gantry too) in its own process,
 * returning its JSON result.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig, RunResult } from './meter.js';

/** bench/competitors/. */
export const COMPETITORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'competitors');
/** The Node 22 binary installed by the npm package `node`. */
export const NODE22 = join(COMPETITORS_DIR, 'node_modules', 'node', 'bin', 'node');

/** The competitors and their runner scripts. */
export const COMPETITORS = {
  'graphile-worker': 'run-graphile-worker.mjs',
  'pg-boss': 'run-pg-boss.mjs',
  /** DBOS Transact; its mode (`queue` or `direct`) is the runner knob `mode`. */
  dbos: 'run-dbos.mjs',
} as const;
/** A competitor's name. */
export type Competitor = keyof typeof COMPETITORS;

/** The Gantry contender's runner: Node 20 (this process's binary) with tsx, from the repository root. */
const GANTRY_RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'gantry-runner.ts');

/** The packages bench/competitors/ must have installed. */
const LIBRARIES = ['pg-boss', 'graphile-worker', '@dbos-inc/dbos-sdk'] as const;

/** Runs `npm ci --prefix bench/competitors` unless its Node 22 and every library are installed. */
export function ensureCompetitors(): void {
  const installed = [NODE22, ...LIBRARIES.map((l) => join(COMPETITORS_DIR, 'node_modules', l))].every(existsSync);
  if (installed) return;
  console.error(`installing bench/competitors (npm ci: ${LIBRARIES.join(', ')}, node@22) …`);
  const r = spawnSync('npm', ['ci', '--prefix', COMPETITORS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0 || !existsSync(NODE22)) throw new Error(`npm ci --prefix ${COMPETITORS_DIR} failed (exit ${r.status})`);
}

/**
 * Runs one contender in its own process with `cfg` (plus `extra` runner knobs) and V8 `flags`, and resolves with
 * the JSON line it prints; its stderr passes through. Competitors run on Node 22 from bench/competitors/, Gantry on
 * this Node with tsx. Rejects when the process exits non-zero or prints no result.
 */
export function runContender<T = RunResult>(name: Competitor | 'gantry', cfg: RunConfig, flags: readonly string[] = [], extra: Record<string, unknown> = {}): Promise<T> {
  const [bin, args, cwd] = name === 'gantry'
    ? [process.execPath, [...flags, '--import', 'tsx', GANTRY_RUNNER], join(COMPETITORS_DIR, '..', '..')]
    : [NODE22, [...flags, join(COMPETITORS_DIR, COMPETITORS[name])], COMPETITORS_DIR];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, JSON.stringify({ ...cfg, ...extra })], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`${name} runner exited ${code}: ${out.slice(-500)}`));
      try {
        resolve(JSON.parse(line) as T);
      } catch (error) {
        reject(error);
      }
    });
  });
}
