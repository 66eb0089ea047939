import type { Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * Inserts the phase row a run links to when it is not there yet (name = id). With a `policy` (the plan's
 * `run.phase_policy`, JSON) the row's policy is set to it, replacing what was there; without one a new row gets the
 * empty policy (allow everything) and an existing row keeps its own.
 */
export async function ensurePhase(db: Kysely<Database>, phaseId: string, policy?: object): Promise<void> {
  const insert = db.insertInto('phases').values({ id: phaseId, name: phaseId, policy: JSON.stringify(policy ?? {}) });
  if (policy === undefined) await insert.onConflict((oc) => oc.column('id').doNothing()).execute();
  else await insert.onConflict((oc) => oc.column('id').doUpdateSet({ policy: JSON.stringify(policy) })).execute();
}

/**
 * The policy stored for phase `phaseId` (SSOT §2.2, `phases.policy`) as parsed JSON, unvalidated (the plan's
 * `parsePhasePolicy` checks it); null when the phase has no row.
 */
export async function storedPhasePolicy(db: Kysely<Database>, phaseId: string): Promise<unknown> {
  const row = await db.selectFrom('phases').select('policy').where('id', '=', phaseId).executeTakeFirst();
  if (!row) return null;
  return typeof row.policy === 'string' ? JSON.parse(row.policy) : row.policy;
}
