import type { Kysely } from 'kysely';
import { entityStates } from '../machines/index.js';
import { overrideTransitions, transitionCounts, type Database, type OverrideTransition, type TransitionCount } from '../persistence/index.js';

/** One failure pattern: how often an entity type went from one state to a failure state by one trigger. */
export type FailurePattern = TransitionCount;

/** One manual override as the audit recorded it. */
export type OverrideRow = OverrideTransition;

/** States counted as failures in reports: the states the machine definitions tag `FAILURE_TAG` (machines/entity-states.ts). */
export const FAILURE_STATES: readonly string[] = entityStates.failureNames;

/** The most common transitions into failure states since `since` (SSOT §7.3.2), most frequent first. */
export async function failurePatterns(db: Kysely<Database>, since: Date, limit = 50): Promise<FailurePattern[]> {
  return transitionCounts(db, since, FAILURE_STATES, limit);
}

/** Manual overrides since `since` (SSOT §7.3.2: the last day by default), newest first. */
export async function recentOverrides(db: Kysely<Database>, since: Date): Promise<OverrideRow[]> {
  return overrideTransitions(db, since);
}
