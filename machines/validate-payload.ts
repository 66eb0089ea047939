import { z } from 'zod';
import { entryOf } from './apply-event.js';
import { InvalidPayloadError, InvalidTransitionError } from './errors.js';
import type { EventOf, InputOf } from './entity-types.js';
import type { EntityType } from './machine-catalog.js';

function issuesOf(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/**
 * Validates an event entering from outside (CLI, API) against its machine's zod schema and returns the parsed
 * event with defaults; an event type the machine does not know is an `InvalidTransitionError` of kind `unknown_event`.
 */
export function parseEvent(entityType: EntityType | string, event: unknown, state = '?'): { type: string } & Record<string, unknown> {
  const entry = entryOf(entityType);
  const type = typeof event === 'object' && event !== null && 'type' in event ? (event as { type: unknown }).type : undefined;
  if (typeof type !== 'string') throw new InvalidPayloadError(entry.entityType, 'event', ['type: required string']);
  const schema = entry.eventSchemas[type];
  if (!schema) throw new InvalidTransitionError(entry.entityType, state, type, 'unknown_event');
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw new InvalidPayloadError(entry.entityType, 'event', issuesOf(parsed.error), { cause: parsed.error });
  return parsed.data as { type: string } & Record<string, unknown>;
}

/** Validates the input that creates an entity and returns it with defaults. */
export function parseInput(entityType: EntityType | string, input: unknown): Record<string, unknown> {
  const entry = entryOf(entityType);
  const parsed = entry.inputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidPayloadError(entry.entityType, 'input', issuesOf(parsed.error), { cause: parsed.error });
  return parsed.data as Record<string, unknown>;
}

/**
 * Validates an untrusted event for `entityType` (its zod schema, `now` included) and returns it typed as that
 * entity's event: the checked entry from outside input (CLI, HTTP) into the typed actor API.
 */
export function parseEventOf<T extends EntityType>(entityType: T, event: unknown, state = '?'): EventOf<T> {
  // The schema of `event.type` was just applied: its output is exactly one of T's events.
  return parseEvent(entityType, event, state) as EventOf<T>;
}

/** Validates an untrusted creation input for `entityType` and returns it typed as that entity's input. */
export function parseInputOf<T extends EntityType>(entityType: T, input: unknown): InputOf<T> {
  // The input schema of T was just applied.
  return parseInput(entityType, input) as InputOf<T>;
}

/** The entity type named `name`, or `UnknownEntityTypeError` listing the known ones (for names from outside). */
export function entityTypeOf(name: string): EntityType {
  return entryOf(name).entityType;
}
