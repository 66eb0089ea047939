import type { Kysely } from 'kysely';
import { storedPhasePolicy, type Database } from '../persistence/index.js';
import { parsePhasePolicy, type PhasePolicy } from '../plan/index.js';

/**
 * The policy stored for phase `phaseId` (SSOT §2.2, `phases.policy`), validated (`InvalidPhasePolicyError` names the
 * phase and the problem); the empty policy when the phase has no row.
 */
export async function readPhasePolicy(db: Kysely<Database>, phaseId: string): Promise<PhasePolicy> {
  return parsePhasePolicy(phaseId, (await storedPhasePolicy(db, phaseId)) ?? {});
}
