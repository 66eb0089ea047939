import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { mapDbError } from './map-db-error.js';

/** One attempt's stored output of a task or a gate (`gantry logs`). */
export interface EntityOutput {
  readonly entityType: 'task' | 'test_gate';
  /** The task's id, or the gate's full id (`<run>.<task>.<gate>.a<attempt>`). */
  readonly id: string;
  /** The attempt shown (1 = first); null for a gate whose id has no attempt suffix. */
  readonly attempt: number | null;
  /** Every attempt with stored output, ascending. */
  readonly attempts: readonly number[];
  readonly state: string;
  readonly exitCode: number | null;
  /** Null when nothing was stored for this attempt (it has not ended, or ended without running a command). */
  readonly stdout: string | null;
  readonly stderr: string | null;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
}

const GATE_ATTEMPT = /\.a([0-9]+)$/;

const attemptOfGate = (id: string): number | null => {
  const m = GATE_ATTEMPT.exec(id);
  return m ? Number(m[1]) : null;
};

async function taskOutput(db: Kysely<Database>, id: string, attempt: number | null): Promise<EntityOutput | null> {
  const task = await db.selectFrom('tasks').select(['id', 'state', 'retry_count']).where('id', '=', id).executeTakeFirst();
  if (!task) return null;
  const rows = await db.selectFrom('task_attempt_outputs').selectAll().where('task_id', '=', id).orderBy('attempt').execute();
  const attempts = rows.map((r) => r.attempt);
  const wanted = attempt ?? attempts[attempts.length - 1] ?? null;
  const row = rows.find((r) => r.attempt === wanted);
  return {
    entityType: 'task', id, attempt: wanted, attempts, state: task.state, exitCode: row?.exit_code ?? null,
    stdout: row?.stdout ?? null, stderr: row?.stderr ?? null, stdoutTruncated: row?.stdout_truncated ?? false, stderrTruncated: row?.stderr_truncated ?? false,
  };
}

async function gateOutput(db: Kysely<Database>, id: string, attempt: number | null): Promise<EntityOutput | null> {
  const cols = ['id', 'state', 'exit_code', 'stdout', 'stderr', 'stdout_truncated', 'stderr_truncated'] as const;
  const exact = await db.selectFrom('test_gates').select(cols).where('id', '=', id).executeTakeFirst();
  // A gate named without its attempt suffix (`<run>.<task>.<gate>`): its attempts are `<id>.a<N>`.
  const family = exact
    ? [exact]
    : (await db.selectFrom('test_gates').select(cols).where('id', 'like', `${id.replace(/[\\%_]/g, (c) => `\\${c}`)}.a%`).execute()).filter((g) => attemptOfGate(g.id) !== null && g.id.slice(0, g.id.lastIndexOf('.a')) === id);
  if (family.length === 0) return null;
  family.sort((a, b) => (attemptOfGate(a.id) ?? 0) - (attemptOfGate(b.id) ?? 0));
  const attempts = family.map((g) => attemptOfGate(g.id)).filter((n): n is number => n !== null);
  const row = exact ?? (attempt === null ? family[family.length - 1]! : family.find((g) => attemptOfGate(g.id) === attempt));
  if (!row) return { entityType: 'test_gate', id, attempt, attempts, state: '', exitCode: null, stdout: null, stderr: null, stdoutTruncated: false, stderrTruncated: false };
  return {
    entityType: 'test_gate', id: row.id, attempt: attemptOfGate(row.id), attempts, state: row.state, exitCode: row.exit_code,
    stdout: row.stdout, stderr: row.stderr, stdoutTruncated: row.stdout_truncated, stderrTruncated: row.stderr_truncated,
  };
}

/**
 * The stored output of entity `id` (`gantry logs`): a task's attempt from `task_attempt_outputs` (`attempt`, default
 * the newest stored one), or a gate's from its `test_gates` row — by its full id, or by `<run>.<task>.<gate>` with
 * `attempt` choosing among `…a<N>` (default the newest). Null when no task or gate has this id.
 */
export async function readEntityOutput(db: Kysely<Database>, id: string, attempt: number | null = null): Promise<EntityOutput | null> {
  try {
    return (await taskOutput(db, id, attempt)) ?? (await gateOutput(db, id, attempt));
  } catch (err) {
    throw mapDbError(err);
  }
}
