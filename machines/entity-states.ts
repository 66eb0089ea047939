import { entryOf } from './apply-event.js';
import type { EventTypeOf, StateOf } from './entity-types.js';
import { ENTITY_TYPES, machineCatalog, type EntityType } from './machine-catalog.js';

/** Whether `name` is one of the eight entity types (a type guard for names that come from outside). */
export function isEntityType(name: string): name is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(name);
}

/** Whether `state` is a state of `entityType`'s machine (a type guard: `state` is then a `StateOf<T>`). */
export function isStateOf<T extends EntityType>(entityType: T, state: string): state is StateOf<T> {
  return machineCatalog[entityType].states.includes(state);
}

/** Whether `name` is an event type of `entityType`'s machine (a type guard: `name` is then an `EventTypeOf<T>`). */
export function isEventTypeOf<T extends EntityType>(entityType: T, name: string): name is EventTypeOf<T> {
  return machineCatalog[entityType].events.includes(name);
}

/**
 * Whether `state` is terminal for `entityType`: a `type: 'final'` state of its machine, which is exactly a state no
 * edge leaves (the catalog checks both agree). An unknown entity type is an `UnknownEntityTypeError`.
 */
export function isTerminal(entityType: EntityType | string, state: string): boolean {
  return entryOf(entityType).terminal.includes(state);
}

/**
 * Whether `state` is a failure state of `entityType`: tagged `FAILURE_TAG` in its machine definition (severity
 * `error` on entry, SSOT §7.2.2, unless a rule makes it `critical`; counted by the failure reports, SSOT §7.3.2).
 */
export function isFailureState(entityType: EntityType | string, state: string): boolean {
  return entryOf(entityType).failure.includes(state);
}

/** The states of every machine by kind, derived from the catalog: `entityStates.terminal.task`, `entityStates.failure.patch_ledger`. */
export const entityStates: {
  readonly terminal: { readonly [T in EntityType]: readonly StateOf<T>[] };
  readonly failure: { readonly [T in EntityType]: readonly StateOf<T>[] };
  /** Every failure state name of any machine, distinct (what SQL filters on `to_state` use). */
  readonly failureNames: readonly string[];
} = {
  terminal: byType((t) => machineCatalog[t].terminal),
  failure: byType((t) => machineCatalog[t].failure),
  failureNames: [...new Set(ENTITY_TYPES.flatMap((t) => machineCatalog[t].failure))],
};

function byType(pick: (t: EntityType) => readonly string[]): { readonly [T in EntityType]: readonly StateOf<T>[] } {
  const of = <T extends EntityType>(t: T): StateOf<T>[] => pick(t).filter((s): s is StateOf<T> => isStateOf(t, s));
  return {
    run: of('run'),
    workstream: of('workstream'),
    task: of('task'),
    worker: of('worker'),
    uet_worker: of('uet_worker'),
    patch_ledger: of('patch_ledger'),
    test_gate: of('test_gate'),
    circuit_breaker: of('circuit_breaker'),
  };
}
