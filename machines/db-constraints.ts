import { contextRules, TERMINAL, type ContextRules, type PresenceRule } from './context-rules.js';
import { ENTITY_TYPES, machineCatalog, type EntityType } from './machine-catalog.js';
import { ID_MAX_LENGTH, REASON_MAX_LENGTH } from './schema-parts.js';

/** Where a column (named as its context field) must hold a value and where it must be null. */
export interface PresenceFact {
  readonly column: string;
  /** States in which the column is non-null. */
  readonly required: readonly string[];
  /** States in which the column is null (empty: no such state). */
  readonly absent: readonly string[];
  readonly section: string;
}

/** What the database must enforce about one entity type's table, all read from its machine and context rules. */
export interface EntityConstraintFacts {
  readonly entityType: EntityType;
  /** Every state of the machine, in docs/design/machines.md order: the `state` column's allowed values. */
  readonly states: readonly string[];
  readonly initial: string;
  /** The final states: a row in one of them never changes again (SSOT §8.2). */
  readonly terminal: readonly string[];
  readonly presence: readonly PresenceFact[];
  /** Columns fixed at creation. */
  readonly fixedAtCreation: readonly string[];
  /** Columns that may change only while the row is in {@link initial}. */
  readonly fixedAfterInitial: readonly string[];
  /** JSON array columns that only grow (each value starts with the previous one). */
  readonly appendOnly: readonly string[];
  /** Text columns holding a reason or error from an event: at most `limits.reasonMaxLength` characters. */
  readonly reasonText: readonly string[];
}

/** Payload limits the machines' event schemas use and the database repeats as CHECKs. */
export interface PayloadLimits {
  /** Longest entity id (`ID_PATTERN`). */
  readonly idMaxLength: number;
  /** Longest reason or error text (`REASON_MAX_LENGTH`). */
  readonly reasonMaxLength: number;
}

/** The database constraint facts of every entity type, plus the entity type names and payload limits. */
export interface DbConstraintFacts {
  readonly entityTypes: readonly EntityType[];
  readonly entities: { readonly [T in EntityType]: EntityConstraintFacts };
  readonly limits: PayloadLimits;
}

function presenceFact(states: readonly string[], terminal: readonly string[], column: string, rule: PresenceRule<EntityType>): PresenceFact {
  const required = rule.in === TERMINAL ? [...terminal] : [...rule.in];
  const either = new Set<string>([...required, ...(rule.also ?? [])]);
  const absent = rule.elsewhere === 'null' ? states.filter((s) => !either.has(s)) : [];
  return { column, required: states.filter((s) => required.includes(s)), absent, section: rule.section };
}

function entityFacts(entityType: EntityType): EntityConstraintFacts {
  const entry = machineCatalog[entityType];
  const rules = contextRules[entityType] as ContextRules<EntityType>;
  const presence = Object.entries(rules.presence as Readonly<Record<string, PresenceRule<EntityType> | undefined>>)
    .filter((e): e is [string, PresenceRule<EntityType>] => e[1] !== undefined)
    .map(([column, rule]) => presenceFact(entry.states, entry.terminal, column, rule));
  return {
    entityType,
    states: [...entry.states],
    initial: entry.initial,
    terminal: [...entry.terminal],
    presence,
    fixedAtCreation: rules.fixedAtCreation.map((f) => f.field),
    fixedAfterInitial: rules.fixedAfterInitial.map((f) => f.field),
    appendOnly: rules.appendOnly.map((f) => f.field),
    reasonText: [...rules.reasonText],
  };
}

/**
 * Derives the facts the database's CHECK constraints and triggers enforce from the machine catalog (states, initial,
 * terminal) and the context rules (presence per state, immutable and append-only fields). Pure. Column names equal
 * context field names (the persistence layer's mapping).
 */
export function deriveDbConstraintFacts(): DbConstraintFacts {
  const entities = Object.fromEntries(ENTITY_TYPES.map((t) => [t, entityFacts(t)])) as { [T in EntityType]: EntityConstraintFacts };
  return { entityTypes: [...ENTITY_TYPES], entities, limits: { idMaxLength: ID_MAX_LENGTH, reasonMaxLength: REASON_MAX_LENGTH } };
}

/** The facts of {@link deriveDbConstraintFacts}, computed once. */
export const dbConstraintFacts: DbConstraintFacts = deriveDbConstraintFacts();
