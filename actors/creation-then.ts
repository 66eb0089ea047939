import { parseEventOf, restoreSnapshot, type EntityType } from '../machines/index.js';
import type { CreatedThen } from '../persistence/index.js';
import type { CreationPlan } from './creation-plan.js';
import { decideTransition, type Decision, type LoadedEntity } from './decide-transition.js';
import { transitionItem } from './transition-item.js';

/** A creation with the transitions it takes at once: what to insert and the decisions behind it. */
export interface CreationThen {
  readonly then: CreatedThen;
  readonly decisions: readonly Decision[];
}

/** The entity a creation plan makes, as the actor layer holds it (version 1, the creation row's hash and time). */
function createdEntity(plan: CreationPlan): LoadedEntity {
  const e = plan.entity;
  const at = e.audit.transitionedAt;
  return {
    entityType: e.entityType,
    id: e.id,
    version: 1,
    state: e.state,
    snapshot: restoreSnapshot(e.entityType, e.snapshot),
    lastHash: e.audit.hash,
    machineVersion: e.machineVersion,
    updatedAt: typeof at === 'number' ? at : new Date(at).getTime(),
    runId: e.audit.runId ?? null,
    workstreamId: e.audit.workstreamId ?? null,
    phaseId: e.audit.phaseId ?? null,
  };
}

/**
 * Decides `events` in order from the created entity, purely, as `send` would (each zod-validated, `now` defaulting
 * to `clock()`, raised to the previous transition's time when it came from the clock): the row to insert and the
 * audit rows after the creation row. Throws what `send` would (InvalidPayloadError, InvalidTransitionError).
 */
export function decideCreationThen(plan: CreationPlan, events: readonly ({ readonly type: string; readonly now?: number } & Record<string, unknown>)[], clock: () => number): CreationThen {
  const type = plan.entity.entityType as EntityType;
  let current = createdEntity(plan);
  const decisions: Decision[] = [];
  for (const event of events) {
    const parsed = parseEventOf(type, { now: clock(), ...event });
    const d = decideTransition(current, parsed, { clampTime: event.now === undefined });
    decisions.push(d);
    current = d.next;
  }
  const last = decisions[decisions.length - 1]!;
  return {
    decisions,
    then: {
      state: last.next.state,
      snapshot: last.persisted,
      machineVersion: last.next.machineVersion,
      columns: last.columns,
      transitions: decisions.map((d) => ({ ...transitionItem(d).audit, toState: d.next.state })),
    },
  };
}
