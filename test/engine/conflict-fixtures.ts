import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { PersistedActors } from '../../actors/index.js';
import { runPlan, type RunStatus } from '../../engine/index.js';
import { runGit } from '../../git/index.js';
import { decideGate } from '../../ops/decide-gate.js';
import type { Database } from '../../persistence/index.js';
import { loadPlan, type Plan } from '../../plan/index.js';
import type { TestDatabase } from '../support/test-database.js';
import { writeCmd, type EngineSandbox } from './engine-fixtures.js';

/** The file both workstreams of the conflict plans edit, and what it holds on `main` at first. */
export const SHARED_FILE = 'src/app.js';
export const SHARED_START = 'export const x = 1;\n';

/**
 * A node command that re-reads {@link SHARED_FILE} and multiplies the number in it by 10: run again on a changed file it
 * makes its change on what it finds (the re-run of a conflict round).
 */
export function timesTenCmd(): string[] {
  return ['node', '-e', `const fs=require('fs');const f=${JSON.stringify(SHARED_FILE)};const s=fs.readFileSync(f,'utf8');fs.writeFileSync(f,s.replace(/x = (\\d+)/,(m,n)=>'x = '+String(Number(n)*10)))`];
}

/** A gate command passing when {@link SHARED_FILE} contains `text`. */
export function fileHasCmd(text: string): string[] {
  return ['node', '-e', `process.exit(require('fs').readFileSync(${JSON.stringify(SHARED_FILE)},'utf8').includes(${JSON.stringify(text)})?0:1)`];
}

/** The approver of `b`'s gate `after-a`, which holds `b` back until `a` merged (see {@link releaseAfterA}). */
export const APPROVER = 'tester';

/**
 * Two workstreams that both change the one line of {@link SHARED_FILE}: `a` merges first; `b`'s branch is made before
 * that (its first task runs at once), and `b`'s last task waits for a MANUAL gate `after-a` that the test approves only
 * once `a` merged ({@link releaseAfterA}), so that `b` always merges second and meets `a`'s change. `b` is given
 * `extra` (its `on_conflict`, `max_conflict_rounds`, more gates…) and its tasks `bTasks`, the last of which is given
 * the gate.
 */
export function conflictPlan(runId: string, aContent: string, bTasks: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const gates = [...((extra['gates'] as unknown[] | undefined) ?? []), { id: 'after-a', type: 'MANUAL', approvers: [APPROVER] }];
  const tasks = bTasks.map((t, i) => (i === bTasks.length - 1 ? { ...t, gates: [...((t['gates'] as string[] | undefined) ?? []), 'after-a'] } : t));
  return {
    run: { id: runId },
    workstreams: [
      { id: 'a', tasks: [{ id: 'a1', command: writeCmd(SHARED_FILE, aContent) }] },
      { id: 'b', ...extra, gates, tasks },
    ],
  };
}

/**
 * Approves `b`'s gate `after-a` (as {@link APPROVER}) once workstream `a` completed and the gate waits, watching
 * `actors`' transitions; returns the unsubscribe function.
 */
export function releaseAfterA(db: Kysely<Database>, actors: PersistedActors, runId: string): () => void {
  let merged = false;
  let waiting = false;
  let done = false;
  return actors.subscribe(async (t) => {
    if (t.entityType === 'workstream' && t.id === `${runId}.a` && t.to === 'completed') merged = true;
    if (t.entityType === 'test_gate' && t.id.startsWith(`${runId}.`) && t.id.includes('.after-a.') && t.to === 'RUNNING') waiting = true;
    if (!merged || !waiting || done) return;
    done = true;
    await decideGate(db, actors, { decision: 'approve', gate: 'after-a', runId, operator: APPROVER, reason: 'a merged' });
  });
}

/** Writes `plan` into the sandbox and runs it like `runSandboxPlan`, releasing `b` once `a` merged ({@link releaseAfterA}). */
export async function runConflictPlan(box: EngineSandbox, db: TestDatabase, plan: Record<string, unknown>, actors = new PersistedActors({ db: db.db })): Promise<{ status: RunStatus; actors: PersistedActors; plan: Plan }> {
  const file = join(box.dir, 'plan.json');
  const full = { retry: { backoff_base_ms: 10, backoff_cap_ms: 40 }, ...plan, run: { phase: 'PH-1', repository: './repo', target_branch: 'main', ...(plan['run'] as object) } };
  await writeFile(file, JSON.stringify(full, null, 2));
  const loaded = await loadPlan(file);
  const runId = loaded.run.id;
  const stop = releaseAfterA(db.db, actors, runId);
  try {
    const status = await runPlan(actors, db.db, loaded, { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 });
    return { status, actors, plan: loaded };
  } finally {
    stop();
  }
}

/** A task writing `content` to `file`. */
export function writeTask(id: string, file: string, content: string): Record<string, unknown> {
  return { id, command: writeCmd(file, content) };
}

/** {@link SHARED_FILE} on the target branch `main` of the sandbox's repository. */
export async function sharedOnMain(box: EngineSandbox): Promise<string> {
  return (await runGit(box.repo, ['show', `main:${SHARED_FILE}`])).stdout;
}

/** The file `file` on `main`. */
export async function fileOnMain(box: EngineSandbox, file: string): Promise<string> {
  return (await runGit(box.repo, ['show', `main:${file}`])).stdout;
}

/** The triggers of workstream `ws`'s audit history, with each row's reason. */
export async function workstreamTrail(actors: PersistedActors, runId: string, ws: string): Promise<{ trigger: string; to: string; reason: string | null }[]> {
  return (await actors.history('workstream', `${runId}.${ws}`)).map((r) => ({ trigger: r.trigger, to: r.toState, reason: r.reason }));
}
