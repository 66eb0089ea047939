/** Base of the errors the inspection server answers with; `status` is the HTTP status sent. */
export class InspectError extends Error {
  override readonly name: string = 'InspectError';
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A path the server does not serve, or an entity type or run it does not know. */
export class InspectNotFoundError extends InspectError {
  override readonly name = 'InspectNotFoundError';
  constructor(message: string) {
    super(message, 404);
  }
}

/** A query parameter that is not what the endpoint takes (e.g. a negative `after`). */
export class InspectBadRequestError extends InspectError {
  override readonly name = 'InspectBadRequestError';
  constructor(message: string) {
    super(message, 400);
  }
}

/** The database could not answer (unreachable, or without Gantry's tables): the page shows `message` and `hint`. */
export class InspectDatabaseError extends InspectError {
  override readonly name = 'InspectDatabaseError';
  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, 503, options);
  }
}

/** Wraps a driver error into an {@link InspectDatabaseError} with a hint a person can act on. */
export function databaseError(err: unknown): InspectDatabaseError {
  if (err instanceof InspectDatabaseError) return err;
  const code = (err as { code?: string }).code;
  const text = err instanceof Error ? err.message : String(err);
  if (code === '42P01') {
    return new InspectDatabaseError(`the database has no Gantry tables (${text})`, 'run `gantry db migrate`, or point --db at the right database', { cause: err });
  }
  return new InspectDatabaseError(`the database is unreachable: ${text}`, 'check that PostgreSQL is running and --db / DATABASE_URL is right', { cause: err });
}

/** The live feed could not start its source (docs/design/engine.md §7.1); `source` names which one. */
export class LiveFeedError extends InspectError {
  override readonly name = 'LiveFeedError';
  constructor(
    message: string,
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(message, 500, options);
  }
}
