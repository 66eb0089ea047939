import { restoreSnapshot } from '../apply-event.js';
import { contextRules, TERMINAL, type PresenceRule } from '../context-rules.js';
import { machineCatalog, type EntityType } from '../machine-catalog.js';
import { contextOf, type PersistedSnapshot } from './snapshot-migration.js';

/** The states a presence rule's `in` names (its machine's terminal states for `TERMINAL`). */
function statesIn(entityType: EntityType, rule: PresenceRule<EntityType>): readonly string[] {
  return rule.in === TERMINAL ? machineCatalog[entityType].terminal : rule.in;
}

/**
 * What the current machine of `entityType` finds wrong with a persisted snapshot (empty: it accepts it): its state
 * is one of the machine's states (and equals the row's `state` when given), its context is an object holding every
 * field the machine's context rules name, present or null as its state requires (machines/context-rules.ts), and the
 * machine restores it. Pure.
 */
export function snapshotProblems(entityType: EntityType, snapshot: PersistedSnapshot, rowState?: string): string[] {
  const entry = machineCatalog[entityType];
  const problems: string[] = [];
  const value = snapshot['value'];
  if (typeof value !== 'string' || !entry.states.includes(value)) {
    problems.push(`state ${JSON.stringify(value)} is not a state of the ${entityType} machine (${entry.states.join(', ')})`);
  } else if (rowState !== undefined && value !== rowState) {
    problems.push(`snapshot state '${value}' differs from the row's state '${rowState}'`);
  }
  const raw = snapshot['context'];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) problems.push('context is not an object');
  const context = contextOf(snapshot);
  const rules: Readonly<Record<string, PresenceRule<EntityType> | undefined>> = contextRules[entityType].presence;
  for (const [field, rule] of Object.entries(rules)) {
    if (!rule) continue;
    if (!(field in context)) {
      problems.push(`context lacks '${field}'`);
      continue;
    }
    if (typeof value !== 'string') continue;
    const present = context[field] !== null && context[field] !== undefined;
    const required = statesIn(entityType, rule).includes(value);
    const also: readonly string[] = rule.also ?? [];
    const allowed = required || also.includes(value) || rule.elsewhere === 'any';
    if (required && !present) problems.push(`context '${field}' is null in state '${value}' (${rule.section})`);
    if (!allowed && present) problems.push(`context '${field}' is set in state '${value}' (${rule.section})`);
  }
  if (problems.length === 0) {
    try {
      restoreSnapshot(entityType, snapshot);
    } catch (err) {
      problems.push(`the machine does not restore it: ${(err as Error).message}`);
    }
  }
  return problems;
}
