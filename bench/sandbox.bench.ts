/**
 * Benchmark (issue 11): what the task sandbox costs per command and per task on this machine.
 *  - COMMANDS: N trivial commands (`true`, and `node -e 0` for a tool with a real start-up) run by `runProcess` in a
 *    scratch working copy, three ways interleaved: plain (a process group, as before), tagged (the attempt tag and the
 *    /proc scan after the exit: the containment without bubblewrap), and sandboxed (bubblewrap with the engine's
 *    mounts: repository and state directory hidden, `.git` read-only, private /tmp, PID namespace, no capability).
 *  - SCAN: the /proc scan of `reapTagged` alone, with the number of processes on the machine at the time.
 *  - TASKS: a plan of T trivial tasks in one workstream (each writes one file: patch, ledger, commit) run by the engine
 *    on PGlite with `sandbox: none` and `sandbox: required`, alternated; wall time per task.
 * Medians over the rounds and the ratio sandboxed / plain. Run: `npx tsx bench/sandbox.bench.ts [N=40] [T=6] [rounds=3]`.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PersistedActors } from '../actors/index.js';
import { runPlan } from '../engine/index.js';
import { probeSandbox, reapTagged, runProcess, type SandboxSpec } from '../exec/index.js';
import { commitAll, initRepo } from '../git/index.js';
import { createDatabase, migrateToLatest } from '../persistence/index.js';
import { loadPlan } from '../plan/index.js';

const [n = 40, t = 6, rounds = 3] = process.argv.slice(2).map(Number);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function commands(spec: SandboxSpec): Promise<void> {
  for (const command of [['true'], ['node', '-e', '0']]) {
    const times: Record<string, number[]> = { plain: [], tagged: [], sandboxed: [] };
    for (let i = 0; i < n; i++) {
      for (const way of Object.keys(times)) {
        const start = performance.now();
        await runProcess({ command, cwd: spec.workdir, ...(way !== 'plain' ? { attemptTag: `bench/${way}#${i}` } : {}), ...(way === 'sandboxed' ? { sandbox: spec } : {}) });
        times[way]!.push(performance.now() - start);
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    console.log(`command ${command.join(' ')} (median of ${n}): plain ${fmt(m['plain']!)}, tagged ${fmt(m['tagged']!)}, sandboxed ${fmt(m['sandboxed']!)}; sandboxed/plain ${(m['sandboxed']! / m['plain']!).toFixed(2)}×, +${fmt(m['sandboxed']! - m['plain']!)}`);
  }
  const scans: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await reapTagged({ tag: 'bench/none' });
    scans.push(performance.now() - start);
  }
  const procs = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).length;
  console.log(`reapTagged scan of /proc with ${procs} processes (median of ${n}): ${fmt(median(scans))}`);
}

async function tasks(dir: string): Promise<void> {
  const perTask: Record<string, number[]> = { none: [], required: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of Object.keys(perTask)) {
      const box = join(dir, `run-${mode}-${r}`);
      await initRepo(join(box, 'repo'));
      await writeFile(join(box, 'repo', 'README.md'), 'bench\n');
      await commitAll(join(box, 'repo'), 'initial');
      const ids = Array.from({ length: t }, (_, i) => `t${i}`);
      const plan = {
        run: { id: `bench-${mode}-${r}`, phase: 'PH-1', repository: './repo' },
        sandbox: mode,
        workstreams: [{ id: 'ws', tasks: ids.map((id, i) => ({ id, command: `echo ${id} > ${id}.txt`, depends_on: i > 0 ? [ids[i - 1]] : [] })) }],
      };
      await writeFile(join(box, 'plan.json'), JSON.stringify(plan));
      const db = await createDatabase({ stateDir: join(box, 'state') });
      await migrateToLatest(db.db);
      const actors = new PersistedActors({ db: db.db });
      const start = performance.now();
      const status = await runPlan(actors, db.db, await loadPlan(join(box, 'plan.json')), { stateDir: join(box, 'state') });
      perTask[mode]!.push((performance.now() - start) / t);
      await actors.close();
      await db.close();
      if (status.state !== 'succeeded') throw new Error(`bench run ${mode} ${r}: ${status.state}`);
    }
  }
  const none = median(perTask['none']!);
  const req = median(perTask['required']!);
  console.log(`engine task (write one file: patch, ledger, commit; median of ${rounds} runs of ${t}): none ${fmt(none)}, sandboxed ${fmt(req)}; ratio ${(req / none).toFixed(2)}×, +${fmt(req - none)} per task`);
}

const probe = await probeSandbox();
if (!probe.ok) throw new Error(`bubblewrap is needed: ${probe.reason}`);
const dir = await mkdtemp(join(tmpdir(), 'gantry-sandbox-bench-'));
try {
  for (const d of ['work', 'repo', 'state']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'work/.git'), 'gitdir: /nowhere\n');
  console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${probe.bwrap}`);
  await commands({ bwrap: probe.bwrap, workdir: join(dir, 'work'), hidden: [join(dir, 'repo'), join(dir, 'state')], protect: [join(dir, 'work/.git')] });
  await tasks(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
