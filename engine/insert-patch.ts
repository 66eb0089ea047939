import type { Kysely } from 'kysely';
import type { Database } from '../persistence/index.js';
import { parsePhasePolicy, type PhasePolicy } from '../plan/index.js';

/** One row of `patches` (SSOT §6.4): the diff a task produced. */
export interface PatchRow {
  readonly id: string;
  readonly taskId: string;
  readonly workstreamId: string;
  readonly runId: string;
  readonly diff: string;
  readonly files: readonly string[];
}

/** Inserts a `patches` row (a plain table, not an actor); `bytes` is the diff's UTF-8 size. */
export async function insertPatch(db: Kysely<Database>, p: PatchRow): Promise<void> {
  await db
    .insertInto('patches')
    .values({
      id: p.id,
      task_id: p.taskId,
      workstream_id: p.workstreamId,
      run_id: p.runId,
      diff: p.diff,
      files: JSON.stringify(p.files),
      bytes: Buffer.byteLength(p.diff, 'utf8'),
    })
    .execute();
}

/**
 * Inserts the phase row a run links to when it is not there yet (name = id). With a `policy` (the plan's
 * `run.phase_policy`) the row's policy is set to it, replacing what was there; without one a new row gets the empty
 * policy (allow everything) and an existing row keeps its own.
 */
export async function ensurePhase(db: Kysely<Database>, phaseId: string, policy?: PhasePolicy): Promise<void> {
  const insert = db.insertInto('phases').values({ id: phaseId, name: phaseId, policy: JSON.stringify(policy ?? {}) });
  if (policy === undefined) await insert.onConflict((oc) => oc.column('id').doNothing()).execute();
  else await insert.onConflict((oc) => oc.column('id').doUpdateSet({ policy: JSON.stringify(policy) })).execute();
}

/**
 * The policy stored for phase `phaseId` (SSOT §2.2, `phases.policy`), validated (`InvalidPhasePolicyError` names the
 * phase and the problem); the empty policy when the phase has no row.
 */
export async function readPhasePolicy(db: Kysely<Database>, phaseId: string): Promise<PhasePolicy> {
  const row = await db.selectFrom('phases').select('policy').where('id', '=', phaseId).executeTakeFirst();
  if (!row) return {};
  const value: unknown = typeof row.policy === 'string' ? JSON.parse(row.policy) : row.policy;
  return parsePhasePolicy(phaseId, value ?? {});
}
