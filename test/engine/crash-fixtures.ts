import { execFile, spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { runGit } from '../../git/index.js';
import { createDatabase, type DatabaseHandle } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT, type GantryResult } from '../cli/run-gantry.js';
import { uniqueSchemaName, type TestDatabaseKind } from '../support/test-database.js';
import { makeSandbox, writeCmd, type EngineSandbox } from './engine-fixtures.js';

/** Where the run id goes in an entity id, a progress line or a merge subject of the crash matrix. */
export const RUN_MARK = '{R}';
let sides = 0;

/** A node command that sleeps `ms`, then exits 0 when `file` exists (a gate long enough to be killed in). */
function slowCheck(file: string, ms: number): string[] {
  return ['node', '-e', `setTimeout(()=>process.exit(require('fs').existsSync(${JSON.stringify(file)})?0:1), ${ms})`];
}

/**
 * The representative plan of the crash matrix: `core` (critical; two tasks, the second after the first, checked by
 * two gates, one after the other, the second slow), `feature` (depends on `core`, one task with a gate) and `docs`
 * (not critical, its task fails: the workstream fails by EXT-5 and is archived, and the run fails by R-1). One
 * orchestration worker and one UET worker, so every entity of the uninterrupted run is met again in every other.
 * Each side has its own run id: `resume` kills every process of its run on this machine (by attempt tag), so two
 * sides running at once must not share one.
 */
export const crashPlan = (runId: string) => ({
  run: { id: runId, phase: 'PH-1', repository: './repo', target_branch: 'main' },
  sandbox: 'none',
  retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
  patch_rules: { allowed_paths: ['src/**'] },
  workers: { orchestration: [{ id: 'agent', count: 1 }], uet: { count: 1 }, heartbeat_interval_sec: 1 },
  workstreams: [
    {
      id: 'core',
      critical: true,
      gates: [
        { id: 'has-a', type: 'LINT', command: 'test -f src/a.js' },
        { id: 'slow-b', type: 'UNIT', command: slowCheck('src/b.js', 1000), depends_on: ['has-a'], timeout_sec: 60 },
      ],
      tasks: [
        { id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n') },
        { id: 'write-b', command: writeCmd('src/b.js', 'export const b = 2;\n'), depends_on: ['write-a'], gates: ['has-a', 'slow-b'] },
      ],
    },
    {
      id: 'feature',
      depends_on: ['core'],
      gates: [{ id: 'has-c', type: 'UNIT', command: 'test -f src/c.js' }],
      tasks: [{ id: 'write-c', command: writeCmd('src/c.js', 'export const c = 3;\n'), gates: ['has-c'] }],
    },
    { id: 'docs', tasks: [{ id: 'bad-doc', command: ['node', '-e', 'process.exit(3)'], max_retries: 0 }] },
  ],
});

/** One run's sandbox: its repository and state directory and, on PostgreSQL, its own schema. */
export interface CrashSide {
  readonly kind: TestDatabaseKind;
  readonly runId: string;
  readonly box: EngineSandbox;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly schema: string | null;
}

/** A new sandbox with the crash plan written into it. */
export async function crashSide(kind: TestDatabaseKind): Promise<CrashSide> {
  const box = await makeSandbox();
  const runId = `cm-${process.pid}-${++sides}`;
  await writeFile(join(box.dir, 'plan.json'), JSON.stringify(crashPlan(runId), null, 2));
  const { DATABASE_URL, ...rest } = process.env;
  const env = rest;
  if (kind === 'pglite') return { kind, runId, box, args: ['--state-dir', box.stateDir], env, schema: null };
  const schema = uniqueSchemaName();
  return { kind, runId, box, args: ['--state-dir', box.stateDir, '--db', DATABASE_URL!], env: { ...env, GANTRY_DB_SCHEMA: schema }, schema };
}

/** Removes a side: its schema (PostgreSQL) and its folder. */
export async function dropSide(s: CrashSide): Promise<void> {
  if (s.schema) {
    const h = await createDatabase({ url: process.env['DATABASE_URL']! });
    await sql`drop schema if exists ${sql.id(s.schema)} cascade`.execute(h.db);
    await h.close();
  }
  await s.box.cleanup();
}

/** What `gantry run` did under a kill point: whether the kill came, and the output. */
export interface KilledRun {
  readonly killed: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the crash plan with the real CLI (test/engine/crash-child.mjs, the compiled CLI) and SIGKILLs it when the progress line `at` is
 * written (after its transition committed), `delayMs` later when given; `at` null runs it to its end.
 */
export function runUntilKilled(s: CrashSide, at: string | null, delayMs = 0): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const env = { ...s.env, GANTRY_CRASH_AT: at === null ? '' : at.replaceAll(RUN_MARK, s.runId), GANTRY_CRASH_DELAY_MS: String(delayMs), GANTRY_CRASH_MAIN: join(dirname(GANTRY_BIN), '..', 'dist', 'cli', 'main.js') };
    const child = spawn(process.execPath, ['test/engine/crash-child.mjs', 'run', join(s.box.dir, 'plan.json'), ...s.args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ killed: signal === 'SIGKILL', code, stdout, stderr }));
  });
}

/** How `gantry resume` ended: its code (null when it hung and was killed) and output. */
export interface ResumeResult extends Omit<GantryResult, 'code'> {
  readonly code: number | null;
}

/** `gantry resume` of the crash run; one that has not ended after `timeoutMs` is killed (code null: it hung). */
export function resumeCrashRun(s: CrashSide, timeoutMs = 90_000): Promise<ResumeResult> {
  return new Promise((resolve, reject) => {
    const args = [GANTRY_BIN, 'resume', s.runId, ...s.args];
    execFile(process.execPath, args, { cwd: ROOT, env: s.env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number' && !err.killed) return reject(err);
      resolve({ code: err ? (err.killed ? null : (err.code as number)) : 0, stdout, stderr });
    });
  });
}

/** Opens the side's database (after its processes ended: PGlite is one process's). */
export async function openSide(s: CrashSide): Promise<DatabaseHandle> {
  if (s.schema) return createDatabase({ url: process.env['DATABASE_URL']!, schema: s.schema });
  return createDatabase({ stateDir: s.box.stateDir, existing: true });
}

/** `id` with the run id `runId` replaced by {@link RUN_MARK}. */
function marked(id: string, runId: string): string {
  return id.replaceAll(runId, RUN_MARK);
}

/** One kind of transition: machine, from-state and event, with the first progress line of that kind (run id marked). */
export interface TransitionKind {
  readonly key: string;
  readonly line: string;
}

/**
 * The kinds of state changes in the audit stream of a run (`state_transitions`, in commit order): one per machine,
 * from-state and event, its first occurrence's progress line (cli/drive-with-progress.ts `progressLine`) as the kill
 * point. Creations and in-state updates (heartbeats, counters) are not kill points of their own.
 */
export async function transitionKinds(h: DatabaseHandle, runId: string): Promise<TransitionKind[]> {
  const rows = await h.db.selectFrom('state_transitions').select(['entity_type', 'entity_id', 'from_state', 'to_state', 'trigger']).orderBy('id').execute();
  const kinds = new Map<string, TransitionKind>();
  for (const r of rows) {
    if (r.from_state === null || r.from_state === r.to_state) continue;
    const key = `${r.entity_type} ${r.from_state} → ${r.to_state} (${r.trigger})`;
    if (!kinds.has(key)) kinds.set(key, { key, line: `${r.entity_type.padEnd(15)} ${marked(r.entity_id, runId)}: ${r.from_state} → ${r.to_state} (${r.trigger})` });
  }
  return [...kinds.values()];
}

/** What a run ended with: states by entity (latest attempt of each gate and patch), merges and tree of the target. */
export interface CrashOutcome {
  readonly states: Record<string, string>;
  /** Archive files of failed or cancelled workstreams and the archive refs of their branches. */
  readonly archives: string[];
  readonly merges: string[];
  readonly tree: string;
}

/** `R.task.gate.aN` / `R.task.pN` → `R.task.gate` / `R.task.p`: a gate or patch whatever attempt made it. */
function attemptless(id: string): { base: string; attempt: number } {
  const m = /^(.*)\.(a|p)(\d+)$/.exec(id);
  return m ? { base: `${m[1]}.${m[2]}`, attempt: Number(m[3]) } : { base: id, attempt: 0 };
}

/**
 * The outcome to compare: run, workstream and task states; ledger entry and gate states of each task's last attempt
 * (a task killed while it ran is retried by its own edges, so attempt numbers may differ); the archives of failed
 * and cancelled workstreams (files and refs); the target branch's merge subjects (each workstream merged exactly once)
 * and its tree (trees, not commit ids).
 */
export async function crashOutcome(s: CrashSide): Promise<CrashOutcome> {
  const h = await openSide(s);
  try {
    const states: Record<string, string> = {};
    const latest = new Map<string, number>();
    for (const table of ['runs', 'workstreams', 'tasks', 'patch_ledger_entries', 'test_gates'] as const) {
      const rows = await h.db.selectFrom(table).select(['id', 'state']).orderBy('id').execute();
      for (const r of rows) {
        const { base, attempt } = table === 'patch_ledger_entries' || table === 'test_gates' ? attemptless(r.id) : { base: r.id, attempt: 0 };
        if ((latest.get(base) ?? -1) > attempt) continue;
        latest.set(base, attempt);
        states[`${table}:${marked(base, s.runId)}`] = r.state;
      }
    }
    const merges = (await runGit(s.box.repo, ['log', '--merges', '--format=%s', 'main'])).stdout.trim().split('\n').filter(Boolean).map((m) => marked(m, s.runId)).sort();
    const tree = (await runGit(s.box.repo, ['rev-parse', 'main^{tree}'])).stdout.trim();
    const files = await readdir(join(s.box.stateDir, 'archive', s.runId)).catch(() => [] as string[]);
    const refs = (await runGit(s.box.repo, ['for-each-ref', '--format=%(refname)', 'refs/gantry/archive/'])).stdout.trim().split('\n').filter(Boolean);
    const archives = [...files.map((f) => `file ${f}`), ...refs.map((r) => marked(r, s.runId))].sort();
    return { states: Object.fromEntries(Object.entries(states).sort(([a], [b]) => a.localeCompare(b))), archives, merges, tree };
  } finally {
    await h.close();
  }
}

/** What a run left behind in the repository: worktrees beside the main one, and branch lock files. */
export async function leftovers(s: CrashSide): Promise<string[]> {
  const list = (await runGit(s.box.repo, ['worktree', 'list', '--porcelain'])).stdout.split('\n').filter((l) => l.startsWith('worktree '));
  const locks = await readdir(join(s.box.repo, '.git', 'gantry-locks')).catch(() => [] as string[]);
  return [...list.slice(1), ...locks.map((l) => `lock ${l}`)];
}
