import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import type { CreationAudit, NewEntity, TransitionAudit, TransitionItem } from '../../persistence/index.js';

/** A fresh `evt_<ULID>` event id. */
export function eventId(): string {
  return `evt_${ulid()}`;
}

/** A deterministic 64-hex "hash" for tests (the real chain hash is the actor layer's business). */
export function fakeHash(...parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Epoch ms of a fixed test instant plus `seconds`. */
export function at(seconds = 0): number {
  return Date.UTC(2024, 0, 1) + seconds * 1000;
}

/** A creation audit for entity `id` at `at(seconds)`. */
export function creationAudit(id: string, seconds = 0, extra: Partial<CreationAudit> = {}): CreationAudit {
  return { eventId: eventId(), severity: 'info', transitionedAt: at(seconds), hash: fakeHash(id, 1), ...extra };
}

/** A new entity with an opaque snapshot and a creation audit. */
export function newEntity(entityType: string, id: string, state: string, columns: Record<string, unknown> = {}, seconds = 0): NewEntity {
  return { entityType, id, state, snapshot: { value: state }, machineVersion: 'test', columns, audit: creationAudit(id, seconds) };
}

/** A transition of entity `id` from version `expectedVersion` (hash chain: fakeHash(id, seq)). */
export function transition(
  entityType: string,
  id: string,
  expectedVersion: number,
  fromState: string,
  state: string,
  columns: Record<string, unknown> = {},
  extra: Partial<TransitionAudit> = {},
): TransitionItem {
  const seq = expectedVersion + 1;
  const audit: TransitionAudit = {
    eventId: eventId(),
    severity: 'info',
    transitionedAt: at(seq),
    hash: fakeHash(id, seq),
    prevHash: fakeHash(id, expectedVersion),
    trigger: `to_${state}`,
    fromState,
    ...extra,
  };
  return { entityType, id, expectedVersion, state, snapshot: { value: state, seq }, machineVersion: 'test', columns, audit };
}
