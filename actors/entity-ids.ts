import { monotonicFactory } from 'ulid';
import { ID_PATTERN } from '../machines/index.js';
import { InvalidEntityIdError } from './errors.js';

/** Throws `InvalidEntityIdError` unless `id` matches the plan's id pattern. */
export function assertEntityId(entityType: string, id: string): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new InvalidEntityIdError(entityType, String(id));
}

const ulid = monotonicFactory();

/** A new audit event id, `evt_<ULID>` (engine.md §3), monotonic within the process. */
export function newEventId(now: number): string {
  return `evt_${ulid(now)}`;
}
