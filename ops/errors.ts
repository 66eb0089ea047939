/** No operator identity, an unknown or revoked operator, or a wrong token: the override is refused (exit 1). */
export class OperatorAuthError extends Error {
  override readonly name = 'OperatorAuthError';
  constructor(readonly detail: string) {
    super(`manual override refused: ${detail} (nothing written)`);
  }
}

/** An override that does not apply to the entity as it is (e.g. completing a task already terminal); exit 1. */
export class OverrideRefusedError extends Error {
  override readonly name = 'OverrideRefusedError';
  constructor(
    readonly action: string,
    readonly entityType: string,
    readonly entityId: string,
    readonly detail: string,
  ) {
    super(`override ${action} of ${entityType} ${entityId} refused: ${detail} (nothing written)`);
  }
}

/** An operator name that is already registered (`gantry operator add`); exit 1. */
export class OperatorExistsError extends Error {
  override readonly name = 'OperatorExistsError';
  constructor(readonly operator: string) {
    super(`operator '${operator}' already exists`);
  }
}
