/** Why an event was refused: the state has no edge for it, or every edge's guard said no. */
export type RejectionKind = 'unknown_event' | 'guard_refused' | 'terminal_state';

/** An event the current state does not accept, or whose guards all refused it (SSOT §8 "invalid transitions are errors"). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly entityType: string,
    readonly state: string,
    readonly event: string,
    readonly kind: RejectionKind,
    readonly entityId?: string,
    readonly guards: readonly string[] = [],
  ) {
    const who = entityId ? `${entityType} ${entityId}` : entityType;
    const why =
      kind === 'terminal_state'
        ? `state '${state}' is terminal and accepts no event ('${event}' refused)`
        : kind === 'unknown_event'
          ? `state '${state}' has no edge for '${event}'`
          : `guard${guards.length > 1 ? 's' : ''} ${guards.map((g) => `'${g}'`).join(', ')} refused '${event}' in state '${state}'`;
    super(`invalid transition for ${who}: ${why}`);
  }
}

/** An entity type that is not one of the eight machines. */
export class UnknownEntityTypeError extends Error {
  override readonly name = 'UnknownEntityTypeError';
  constructor(readonly entityType: string, readonly known: readonly string[]) {
    super(`unknown entity type '${entityType}' (known: ${known.join(', ')})`);
  }
}

/** An event or input payload that fails its zod schema. */
export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
  constructor(
    readonly entityType: string,
    readonly what: 'event' | 'input',
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid ${what} for ${entityType}: ${issues.join('; ')}`, options);
  }
}
