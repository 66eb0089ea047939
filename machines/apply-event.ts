import { createEmptyActor, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { InvalidTransitionError, UnknownEntityTypeError } from './errors.js';
import { ENTITY_TYPES, machineCatalog, type EntityType, type MachineEntry } from './machine-catalog.js';

type Scope = Parameters<AnyStateMachine['transition']>[2];

/** A reusable inert actor scope per machine: machines only assign, so no effect ever runs through it. */
const scopes = new Map<AnyStateMachine, Scope>();
function scopeFor(machine: AnyStateMachine): Scope {
  let scope: Scope | undefined = scopes.get(machine);
  if (!scope) {
    const self = createEmptyActor();
    const noop = () => {};
    // The empty actor stands in for the machine's own (never started, never sent to): machines only assign.
    scope = { self: self as Scope['self'], system: self.system, id: '', sessionId: '', defer: noop, logger: noop, stopChild: noop, emit: noop, actionExecutor: noop };
    scopes.set(machine, scope);
  }
  return scope;
}

/** The catalog entry of an entity type, or `UnknownEntityTypeError`. */
export function entryOf(entityType: string): MachineEntry {
  const entry = (machineCatalog as Record<string, MachineEntry | undefined>)[entityType];
  if (!entry) throw new UnknownEntityTypeError(entityType, ENTITY_TYPES);
  return entry;
}

/** The initial snapshot of a new entity, from its (already validated) input. Pure. */
export function initialSnapshot(entityType: EntityType | string, input: unknown): AnyMachineSnapshot {
  const { machine } = entryOf(entityType);
  return machine.getInitialSnapshot(scopeFor(machine), input) as AnyMachineSnapshot;
}

/** A live snapshot from its persisted JSON form. */
export function restoreSnapshot(entityType: EntityType | string, persisted: unknown): AnyMachineSnapshot {
  const { machine } = entryOf(entityType);
  return machine.restoreSnapshot(persisted as never, scopeFor(machine)) as AnyMachineSnapshot;
}

/** The JSON-safe persisted form of a snapshot. */
export function persistSnapshot(entityType: EntityType | string, snapshot: AnyMachineSnapshot): Record<string, unknown> {
  const { machine } = entryOf(entityType);
  return machine.getPersistedSnapshot(snapshot) as Record<string, unknown>;
}

/** Why the current state refused `event`: no edge for it, terminal state, or every guard false. */
function rejection(entry: MachineEntry, snapshot: AnyMachineSnapshot, event: EventObject, entityId?: string): InvalidTransitionError {
  const state = String(snapshot.value);
  if (entry.terminal.includes(state)) return new InvalidTransitionError(entry.entityType, state, event.type, 'terminal_state', entityId);
  const defs = entry.machine.root.states[state]?.transitions.get(event.type) ?? [];
  if (defs.length === 0) return new InvalidTransitionError(entry.entityType, state, event.type, 'unknown_event', entityId);
  const guards = entry.transitions.filter((t) => t.from === state && t.event === event.type && t.guard).map((t) => t.guard!);
  return new InvalidTransitionError(entry.entityType, state, event.type, 'guard_refused', entityId, guards);
}

/** Result of applying an event: the next snapshot and the state before and after. */
export interface Applied {
  readonly snapshot: AnyMachineSnapshot;
  readonly from: string;
  readonly to: string;
}

/**
 * Applies `event` to `snapshot` through the entity's machine, purely (no actor, no effect, no clock), and returns
 * the next snapshot; throws `InvalidTransitionError` when the state does not accept the event or its guards refuse
 * it (XState would silently ignore it; SSOT §8 says it is an error).
 */
export function applyEvent(entityType: EntityType | string, snapshot: AnyMachineSnapshot, event: EventObject, entityId?: string): Applied {
  const entry = entryOf(entityType);
  const next = entry.machine.transition(snapshot, event, scopeFor(entry.machine)) as AnyMachineSnapshot;
  // XState returns the very same snapshot object when no transition was enabled.
  if (next === snapshot) throw rejection(entry, snapshot, event, entityId);
  return { snapshot: next, from: String(snapshot.value), to: String(next.value) };
}

/**
 * Whether the entity's machine, in the persisted snapshot `persisted`, takes `event` (an edge or an in-state update
 * whose guards hold): the engine asks this instead of restating a guard or catching a refusal. Pure.
 */
export function accepts(entityType: EntityType | string, persisted: unknown, event: { type: string } & Record<string, unknown>): boolean {
  const entry = entryOf(entityType);
  const snapshot = restoreSnapshot(entityType, persisted);
  return entry.machine.transition(snapshot, event, scopeFor(entry.machine)) !== snapshot;
}
