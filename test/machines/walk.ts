import type { AnyMachineSnapshot } from 'xstate';
import { applyEvent, initialSnapshot, InvalidTransitionError, type EntityType } from '../../machines/index.js';

/** A test event: type, payload and time. */
export type Ev = { type: string } & Record<string, unknown>;

/** Applies `events` in order from the initial snapshot of `input` and returns the last snapshot. */
export function walk(type: EntityType, input: Record<string, unknown>, events: readonly Ev[]): AnyMachineSnapshot {
  return events.reduce((snap, e) => applyEvent(type, snap, e).snapshot, initialSnapshot(type, input));
}

/** Applies one event and returns the next snapshot. */
export function step(type: EntityType, snap: AnyMachineSnapshot, event: Ev): AnyMachineSnapshot {
  return applyEvent(type, snap, event).snapshot;
}

/** The rejection `applyEvent` throws for `event`, or an error when the event was accepted. */
export function refusal(type: EntityType, snap: AnyMachineSnapshot, event: Ev): InvalidTransitionError {
  try {
    applyEvent(type, snap, event);
  } catch (err) {
    if (err instanceof InvalidTransitionError) return err;
    throw err;
  }
  throw new Error(`${type}: '${event.type}' in '${String(snap.value)}' was accepted, expected a refusal`);
}
