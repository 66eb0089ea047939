/**
 * First-line latency of `gantry run` on the embedded PGlite (issue 13: a run prints its first line within 1 s):
 * the time from starting the process to the first byte it prints (standard output or error), and to its first
 * progress line of the run itself, on a fresh state directory each time (the slowest case: PGlite creates its data
 * directory), beside `node -e 0`. Runs the installed `gantry` (bin/gantry.js on dist/: `npm run build` first) and
 * the sources (bin/gantry-dev.js, through tsx). Each is run N times, interleaved; prints median and fastest.
 *
 * Run: `npx tsx bench/first-line.bench.ts [runs=5]`. It asserts nothing; figures depend on the machine and its load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRepo } from './bench-repo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);

/** A repository and a one-task plan in `dir`. */
function planIn(dir: string): string {
  const repo = join(dir, 'repo');
  benchRepo(repo);
  const plan = join(dir, 'plan.yaml');
  writeFileSync(plan, ['run: { id: first-line, phase: PH-1, repository: ./repo, target_branch: main }', 'workstreams:', '  - id: one', '    tasks: [{ id: write, command: ["sh", "-c", "echo x > out.txt"] }]', ''].join('\n'));
  return plan;
}

interface Timing {
  readonly first: number;
  readonly progress: number;
}

/** Starts `node args` and times its first printed byte and its first line matching `progress`; kills it then. */
function timeOnce(args: readonly string[], cwd: string, progress: RegExp | null): Promise<Timing> {
  const { DATABASE_URL: _u, GANTRY_DB_SCHEMA: _s, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const t = performance.now();
    let first = -1;
    let out = '';
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const seen = (c: Buffer) => {
      if (first < 0) first = performance.now() - t;
      out += c.toString();
      if (progress && progress.test(out)) {
        child.kill('SIGKILL');
        resolve({ first, progress: performance.now() - t });
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now() - t;
      if (progress === null) resolve({ first: first < 0 ? end : first, progress: end });
      else if (code !== null) reject(new Error(`node ${args.join(' ')} exited ${code} before its progress line: ${out}`));
    });
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);

const dir = mkdtempSync(join(tmpdir(), 'gantry-first-line-'));
try {
  const plan = planIn(dir);
  const progress = /→ running|pending → /;
  const cases: [string, (i: number) => string[], RegExp | null][] = [
    ['node -e 0', () => ['-e', '0'], null],
    ['gantry run (dist)', (i) => [join(ROOT, 'bin', 'gantry.js'), 'run', plan, '--state-dir', join(dir, `dist-${i}`)], progress],
    ['gantry run (sources, tsx)', (i) => [join(ROOT, 'bin', 'gantry-dev.js'), 'run', plan, '--state-dir', join(dir, `dev-${i}`)], progress],
  ];
  const results = new Map<string, Timing[]>(cases.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) for (const [name, args, p] of cases) results.get(name)!.push(await timeOnce(args(i), dir, p));
  console.log(`first-line latency, ${runs} runs each, fresh PGlite state directory (load ${loadavg()[0]!.toFixed(2)}):`);
  console.log(`${'command'.padEnd(28)} ${'first line'.padStart(12)} ${'(fastest)'.padStart(10)} ${'first progress'.padStart(16)}`);
  for (const [name] of cases) {
    const r = results.get(name)!;
    console.log(`${name.padEnd(28)} ${fmt(median(r.map((x) => x.first))).padStart(12)} ${fmt(Math.min(...r.map((x) => x.first))).padStart(10)} ${fmt(median(r.map((x) => x.progress))).padStart(16)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
