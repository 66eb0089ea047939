/**
 * `gantry status` from a second process while `gantry run` holds a PGlite state directory (issue 13: the reader
 * goes through the socket the run serves): the latency of each `gantry status RUN --json` during a busy run (30
 * one-line tasks in 3 workstreams), the same command on the finished directory (opened directly), and the run's
 * wall time alone and with a reader polling it back to back. The installed `gantry` (bin/gantry.js on dist/:
 * `npm run build` first).
 *
 * Run: `npx tsx bench/live-status.bench.ts [runs=2] [pause-ms=0]` (pause between two reads; 0: back to back). It asserts nothing; figures depend on the machine and its load.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRepo } from './bench-repo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'gantry.js');
const runs = Number(process.argv[2] ?? 2);
/** Pause between two reads in ms (0: back to back). */
const interval = Number(process.argv[3] ?? 0);
const { DATABASE_URL: _u, GANTRY_DB_SCHEMA: _s, ...env } = process.env;

function planIn(dir: string, id: string): string {
  const repo = join(dir, `repo-${id}`);
  benchRepo(repo);
  const ws = ['a', 'b', 'c'].map((w) => `  - id: ${w}\n    tasks:\n${Array.from({ length: 10 }, (_, i) => `      - { id: ${w}${i}, command: ["sh", "-c", "echo ${i} > ${w}${i}.txt"] }`).join('\n')}`);
  const plan = join(dir, `${id}.yaml`);
  writeFileSync(plan, [`run: { id: ${id}, phase: PH-1, repository: ./repo-${id}, target_branch: main }`, 'workstreams:', ...ws, ''].join('\n'));
  return plan;
}

const failures: string[] = [];

function status(state: string, id: string): { ms: number; ok: boolean } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'status', id, '--json', '--state-dir', state], { env, encoding: 'utf8' });
  if (r.status !== 0) failures.push(r.stderr.trim().split('\n')[0]!);
  return { ms: performance.now() - t, ok: r.status === 0 };
}

/** Runs the plan; with `poll`, a reader runs `gantry status` back to back meanwhile. Returns the run's wall time and the readers' latencies. */
async function runOnce(dir: string, id: string, poll: boolean): Promise<{ run: number; reads: number[]; failed: number }> {
  const plan = planIn(dir, id);
  const state = join(dir, `state-${id}`);
  const t = performance.now();
  const child = spawn(process.execPath, [BIN, 'run', plan, '--state-dir', state, '--json'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  let finished = false;
  void done.then(() => (finished = true));
  const reads: number[] = [];
  let failed = 0;
  if (poll) {
    while (!existsSync(join(state, '.s.PGSQL.5432')) && !finished) await new Promise((r) => setTimeout(r, 20));
    while (!finished) {
      const r = await new Promise<{ ms: number; ok: boolean }>((resolve) => setImmediate(() => resolve(status(state, id))));
      if (finished) break;
      if (r.ok) reads.push(r.ms);
      else failed++;
      if (interval > 0) await new Promise((res) => setTimeout(res, interval));
    }
  }
  const code = await done;
  if (code !== 0) throw new Error(`run ${id} exited ${code}: ${err}`);
  return { run: performance.now() - t, reads, failed };
}

const median = (xs: readonly number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dir = mkdtempSync(join(tmpdir(), 'gantry-live-status-'));
try {
  const alone: number[] = [];
  const withReader: number[] = [];
  const reads: number[] = [];
  let failed = 0;
  for (let i = 0; i < runs; i++) {
    alone.push((await runOnce(dir, `alone-${i}`, false)).run);
    const r = await runOnce(dir, `read-${i}`, true);
    withReader.push(r.run);
    reads.push(...r.reads);
    failed += r.failed;
  }
  const direct = Array.from({ length: 5 }, () => status(join(dir, 'state-alone-0'), 'alone-0').ms);
  const base = Array.from({ length: 5 }, () => {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return performance.now() - t;
  });
  console.log(`gantry status during a PGlite run (30 tasks), ${runs} runs each way, pause ${interval} ms (load ${loadavg()[0]!.toFixed(2)}):`);
  console.log(`  node -e 0                               median ${s(median(base))}`);
  console.log(`  status, directory opened directly       median ${s(median(direct))}`);
  console.log(`  status through the run's socket         median ${s(median(reads))}, max ${s(Math.max(...reads))} (${reads.length} reads, ${failed} failed)`);
  console.log(`  run alone                               median ${s(median(alone))}`);
  console.log(`  run with a reader (pause ${interval} ms)        median ${s(median(withReader))}`);
  for (const f of failures) console.log(`  failed read: ${f}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
