import type { SnapshotVersionError } from '../machines/index.js';
/** Base of every error the engine raises. */
export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The run cannot start: the repository or target branch is missing, or the run already exists; nothing was written. */
export class RunSetupError extends EngineError {}

/** A claim returned another task than the one the engine queued (a second engine works the same run). */
export class ClaimMismatchError extends EngineError {
  constructor(readonly expected: string, readonly claimed: readonly string[]) {
    super(`expected to claim task ${expected}, claimed [${claimed.join(', ')}]`);
  }
}

/** No worker of the plan's pools can take a task (capabilities or affinity). */
export class NoEligibleWorkerError extends EngineError {
  constructor(readonly taskId: string) {
    super(`no worker can take task ${taskId} (capabilities or affinity)`);
  }
}

/** Every UET worker of the run was terminated (heartbeat lost, SSOT §2.1): no patch can be validated. */
export class NoLiveUetWorkerError extends EngineError {
  constructor(readonly runId: string) {
    super(`run ${runId}: every UET worker is TERMINATED (heartbeat lost), none is left to validate a patch`);
  }
}

/** A run that `gantry status` was asked about does not exist. */
export class RunNotFoundError extends EngineError {
  constructor(readonly runId: string | null) {
    super(runId === null ? 'no run in the database' : `run ${runId} not found`);
  }
}

/** The run was asked to stop (Ctrl-C): it stopped after its current step and can be continued with `gantry resume`. */
export class RunInterruptedError extends EngineError {
  constructor(readonly runId: string) {
    super(`run ${runId} stopped before its end; continue it with: gantry resume ${runId}`);
  }
}

/** The database holds no record (`run_sources`) of the plan a run was started from. */
export class RunSourceNotFoundError extends EngineError {
  constructor(readonly runId: string) {
    super(`no plan recorded for run ${runId} in the database; pass --plan FILE`);
  }
}

/** A gate's process outlived its timeout, yet its machine still refuses `timeout_exceeded` (its deadline guard). */
export class GateDeadlineRefusedError extends EngineError {
  constructor(readonly gateId: string, readonly state: string) {
    super(`gate ${gateId} (${state}): its command timed out but its machine does not take timeout_exceeded`);
  }
}

/** A task's `prompt_file` cannot be read from its worktree at an attempt: missing, not a file, or leading out of it. */
export class PromptFileError extends EngineError {
  constructor(readonly taskId: string, readonly path: string, readonly reason: string) {
    super(`task ${taskId}: prompt_file '${path}' ${reason}`);
  }
}

/**
 * `gantry resume` found entities of the run stored under a machine version no registered snapshot migration leads
 * from (issue 16): it drives nothing and writes nothing; each refusal names the entity and both versions.
 */
export class SnapshotVersionsRefusedError extends EngineError {
  constructor(
    readonly runId: string,
    readonly refused: readonly SnapshotVersionError[],
  ) {
    super(
      `run ${runId} cannot resume: ${refused.length} entit${refused.length === 1 ? 'y was' : 'ies were'} persisted by a machine version this build cannot read ` +
        `(run 'gantry db migrate-snapshots' for the list, or register a snapshot migration):\n${refused.map((e) => `  ${e.message}`).join('\n')}`,
    );
  }
}

/**
 * A conflict round found the integration branch not where the round left it (something else moved it, EXT-7/EXT-8):
 * the gated tree cannot be vouched for, so nothing is merged.
 */
export class ConflictRoundError extends EngineError {
  constructor(readonly workstreamId: string, readonly round: number, readonly problem: string) {
    super(`workstream ${workstreamId}, conflict round ${round}: ${problem}`);
  }
}
