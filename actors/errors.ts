import { ID_FORMAT } from '../machines/index.js';

/** An entity id outside `ID_FORMAT` (docs/design/plan.md). */
export class InvalidEntityIdError extends Error {
  override readonly name = 'InvalidEntityIdError';
  constructor(readonly entityType: string, readonly id: string) {
    super(`invalid ${entityType} id '${id}': ids are ${ID_FORMAT}`);
  }
}

/** An operation on an actor system that was closed. */
export class ActorSystemClosedError extends Error {
  override readonly name = 'ActorSystemClosedError';
  constructor(readonly operation: string) {
    super(`actor system is closed (${operation})`);
  }
}

/** An event dated before the entity's last transition (SSOT §8.3: timestamps never go backwards). */
export class TimeWentBackwardsError extends Error {
  override readonly name = 'TimeWentBackwardsError';
  constructor(readonly entityType: string, readonly id: string, readonly event: string, readonly now: number, readonly lastAt: number) {
    super(`${entityType} ${id}: '${event}' is dated ${new Date(now).toISOString()}, before its last transition at ${new Date(lastAt).toISOString()}`);
  }
}

/** An item of `PersistedActors.createMany` failed validation (or repeats an earlier item); nothing was written. */
export class InvalidCreateItemError extends Error {
  override readonly name = 'InvalidCreateItemError';
  constructor(readonly index: number, readonly entityType: string, readonly id: string, options: { cause: unknown }) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`createMany item ${index} (${entityType} '${id}'): ${why}; nothing was created`, options);
  }
}

/** Untrusted input (a shell argument, an HTTP body) that is not a JSON object where an event or input is expected. */
export class InvalidUntrustedInputError extends Error {
  override readonly name = 'InvalidUntrustedInputError';
  constructor(readonly entityType: string, readonly what: 'event' | 'input', readonly value: unknown) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    super(`invalid ${what} for ${entityType}: expected a JSON object, got ${got}`);
  }
}

/** An audit signing key file that is missing, unreadable, not an Ed25519 key, or readable by others. */
export class AuditKeyError extends Error {
  override readonly name = 'AuditKeyError';
  constructor(readonly path: string, readonly problem: string, options?: { cause?: unknown }) {
    super(`audit key ${path}: ${problem}`, options);
  }
}

/** The thread that re-hashes audit rows for `audit verify` stopped or could not start; the verification did not finish. */
export class HashWorkerError extends Error {
  override readonly name = 'HashWorkerError';
  constructor(readonly module: string, options: { cause: unknown }) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`the audit hash worker (${module}) failed: ${why}`, options);
  }
}
