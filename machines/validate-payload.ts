import { z } from 'zod';
import { entryOf } from './apply-event.js';
import { InvalidPayloadError, InvalidTransitionError } from './errors.js';
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
