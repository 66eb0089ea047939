import type { AnyMachineSnapshot } from 'xstate';
import { entityTypeOf, isEventTypeOf, isStateOf, type ContextOf, type EntityType, type EventTypeOf, type StateOf } from '../machines/index.js';
import type { CanonicalEvent } from './transition-log.js';

/** A persisted entity of type `T` as the library returns it: its state and context typed by its machine. */
export interface EntityView<T extends EntityType = EntityType> {
  readonly entityType: T;
  readonly id: string;
  readonly state: StateOf<T>;
  readonly version: number;
  readonly context: ContextOf<T>;
  /** The persisted XState snapshot (JSON). */
  readonly snapshot: Record<string, unknown>;
  readonly machineVersion: string;
}

/** An entity of any type: a union discriminated by `entityType` (narrow it to read a typed context). */
export type AnyEntityView = { [T in EntityType]: EntityView<T> }[EntityType];

/** A transition of an entity of type `T` after its commit, as listeners see it. */
export interface CommittedTransition<T extends EntityType = EntityType> {
  readonly entityType: T;
  readonly id: string;
  readonly from: StateOf<T>;
  readonly to: StateOf<T>;
  readonly event: EventTypeOf<T>;
  /** The entity's version after this transition. */
  readonly version: number;
  /** The machine context after this transition. */
  readonly context: ContextOf<T>;
  readonly canonical: CanonicalEvent;
}

/** A committed transition of any entity type: a union discriminated by `entityType`. */
export type AnyCommittedTransition = { [T in EntityType]: CommittedTransition<T> }[EntityType];

/** A view whose type was checked at run time, as the union discriminated by `entityType`. */
export function anyEntityView(v: EntityView): AnyEntityView {
  // `v` was built by `entityView` for `v.entityType`: its state and context are that machine's.
  return v as AnyEntityView;
}

/** `state` as a state of `entityType`, or an error naming both (a stored row whose state its machine lacks). */
export function stateOfEntity<T extends EntityType>(entityType: T, state: string): StateOf<T> {
  if (!isStateOf(entityType, state)) throw new Error(`${entityType}: '${state}' is not a state of its machine`);
  return state;
}

function eventTypeOfEntity<T extends EntityType>(entityType: T, name: string): EventTypeOf<T> {
  if (!isEventTypeOf(entityType, name)) throw new Error(`${entityType}: '${name}' is not an event of its machine`);
  return name;
}

/** The view of an entity from its restored snapshot (whose context the machine produced) and its row fields. */
export function entityView<T extends EntityType>(
  entityType: T,
  row: { readonly id: string; readonly state: string; readonly version: number; readonly machineVersion: string },
  restored: AnyMachineSnapshot,
  persisted: Record<string, unknown>,
): EntityView<T> {
  const context: ContextOf<T> = restored.context;
  return { entityType, id: row.id, state: stateOfEntity(entityType, row.state), version: row.version, context, snapshot: persisted, machineVersion: row.machineVersion };
}

/** The committed transition of a decided, committed row of type `T` (its states and event checked against the catalog). */
export function committedTransition<T extends EntityType>(
  entityType: T,
  next: { readonly entityType: string; readonly id: string; readonly version: number; readonly snapshot?: AnyMachineSnapshot; readonly context?: unknown },
  canonical: CanonicalEvent,
): CommittedTransition<T> {
  if (next.entityType !== entityType) throw new Error(`expected a ${entityType} transition, got a ${next.entityType} one`);
  const context: ContextOf<T> = next.snapshot ? next.snapshot.context : next.context;
  return {
    entityType,
    id: next.id,
    from: stateOfEntity(entityType, canonical.from_state ?? canonical.to_state),
    to: stateOfEntity(entityType, canonical.to_state),
    event: eventTypeOfEntity(entityType, canonical.trigger),
    version: next.version,
    context,
    canonical,
  };
}

/** The committed transition of a row of any type, as the union listeners receive. */
export function anyCommittedTransition(
  next: { readonly entityType: string; readonly id: string; readonly version: number; readonly snapshot?: AnyMachineSnapshot; readonly context?: unknown },
  canonical: CanonicalEvent,
): AnyCommittedTransition {
  // Type, states and event were checked against one machine: the fields agree with `entityType`.
  return committedTransition(entityTypeOf(next.entityType), next, canonical) as AnyCommittedTransition;
}
