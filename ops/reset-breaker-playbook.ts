import type { Kysely } from 'kysely';
import { ProcessSpawnError, runProcess } from '../exec/index.js';
import { clipReason } from '../machines/index.js';
import { EntityNotFoundError, loadEntity, type Database } from '../persistence/index.js';
import { applyOverride, type OverrideResult } from './apply-override.js';
import { BreakerCheckFailedError } from './errors.js';

/** One "reset a circuit breaker after checking the tool answers" request (SSOT §5.3); the operator is authenticated. */
export interface ResetBreakerRequest {
  readonly breakerId: string;
  /** The check, run by `/bin/sh -c` in `cwd`; it must exit 0 for the reset to happen. */
  readonly check: string;
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly operator: string;
  readonly reason: string;
  readonly transitionLog: string | null;
}

/** The reset and how the check went. */
export interface ResetBreakerResult {
  readonly override: OverrideResult;
  readonly check: { readonly command: string; readonly exitCode: number; readonly durationMs: number };
}

/**
 * The "reset a circuit breaker" playbook (SSOT §5.3, §2.4): runs the tool check first; only when it exits 0 is the
 * breaker reset to `CLOSED` through the `reset-breaker` override (audited, operator, reason, counted). A check that
 * fails, times out or cannot start throws `BreakerCheckFailedError` and writes nothing.
 */
export async function resetBreakerPlaybook(db: Kysely<Database>, req: ResetBreakerRequest): Promise<ResetBreakerResult> {
  if (!(await loadEntity(db, 'circuit_breaker', req.breakerId))) throw new EntityNotFoundError('circuit_breaker', req.breakerId);
  let r;
  try {
    r = await runProcess({ command: req.check, cwd: req.cwd, timeoutMs: req.timeoutMs, maxOutputBytes: 64 * 1024 });
  } catch (err) {
    if (err instanceof ProcessSpawnError) throw new BreakerCheckFailedError(req.breakerId, req.check, null, false, err.message);
    throw err;
  }
  if (r.timedOut || r.exitCode !== 0) {
    const out = (r.stderr || r.stdout).slice(-500);
    throw new BreakerCheckFailedError(req.breakerId, req.check, r.exitCode, r.timedOut, out);
  }
  const override = await applyOverride(db, {
    action: 'reset-breaker',
    id: req.breakerId,
    operator: req.operator,
    reason: clipReason(`${req.reason} (tool check '${req.check}' exited 0)`),
    transitionLog: req.transitionLog,
  });
  return { override, check: { command: req.check, exitCode: 0, durationMs: Math.round(r.durationMs) } };
}
