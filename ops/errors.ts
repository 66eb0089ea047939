import type { CompensationRecord } from './compensation-plan.js';

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
    options?: ErrorOptions,
  ) {
    super(`override ${action} of ${entityType} ${entityId} refused: ${detail} (nothing written)`, options);
  }
}

/** An operator name that is already registered (`gantry operator add`); exit 1. */
export class OperatorExistsError extends Error {
  override readonly name = 'OperatorExistsError';
  constructor(readonly operator: string) {
    super(`operator '${operator}' already exists`);
  }
}

/** No operator of that name is registered (`gantry operator revoke NAME`); bad input, exit 2. */
export class UnknownOperatorError extends Error {
  override readonly name = 'UnknownOperatorError';
  constructor(readonly operator: string) {
    super(`unknown operator '${operator}' (gantry operator list shows the registered ones)`);
  }
}

/** An operator already revoked cannot be revoked again; exit 1, nothing written. */
export class OperatorAlreadyRevokedError extends Error {
  override readonly name = 'OperatorAlreadyRevokedError';
  constructor(
    readonly operator: string,
    readonly revokedAt: Date,
  ) {
    super(`operator '${operator}' was already revoked at ${revokedAt.toISOString()} (nothing written)`);
  }
}

/** The rollback's plan file does not describe the ledger entry's run (no such workstream, commit not in its repository); exit 2. */
export class RollbackPlanMismatchError extends Error {
  override readonly name = 'RollbackPlanMismatchError';
  constructor(
    readonly ledgerId: string,
    readonly planFile: string,
    readonly detail: string,
  ) {
    super(`rollback-patch ${ledgerId}: plan ${planFile} ${detail} (nothing written)`);
  }
}

/**
 * A required action of the compensation plan failed (SSOT §2.5.3): the revert was undone (the branch reset to its
 * pre-rollback head) and the patch stays `committed`; exit 1. `compensation` is the record of what ran.
 */
export class RollbackFailedError extends Error {
  override readonly name = 'RollbackFailedError';
  constructor(
    readonly ledgerId: string,
    readonly failed: readonly string[],
    readonly compensation: CompensationRecord,
    options?: { cause?: unknown },
  ) {
    super(`rollback-patch ${ledgerId} aborted: ${failed.join('; ')}; the revert was undone and the patch stays committed`, options);
  }
}

/** `playbook reset-breaker`: the tool check did not exit 0, so the breaker is left as it was; exit 1, nothing written. */
export class BreakerCheckFailedError extends Error {
  override readonly name = 'BreakerCheckFailedError';
  constructor(
    readonly breakerId: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly timedOut: boolean,
    readonly output: string,
  ) {
    super(
      `reset-breaker ${breakerId} refused: the tool check '${command}' ${timedOut ? 'timed out' : `exited ${exitCode ?? 'by a signal'}`}` +
        `${output ? `: ${output.trim()}` : ''} (breaker left as it was, nothing written)`,
    );
  }
}

/**
 * `gantry approve` / `gantry reject` refused (EXT-6): the gate is not a MANUAL gate, is not waiting for approval,
 * cannot be told apart from others, or the operator is not one of its approvers; exit 1, nothing written.
 */
export class GateDecisionRefusedError extends Error {
  override readonly name = 'GateDecisionRefusedError';
  constructor(
    readonly decision: 'approve' | 'reject',
    readonly gate: string,
    readonly detail: string,
  ) {
    super(`${decision} ${gate} refused: ${detail} (nothing written)`);
  }
}
