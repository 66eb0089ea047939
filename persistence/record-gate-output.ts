import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { EntityNotFoundError } from './errors.js';
import { mapDbError } from './map-db-error.js';

/** What a gate's command printed, as captured (already capped per stream by the process runner). */
export interface GateOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** The stream printed more than the cap: the rest was dropped. */
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
}

/**
 * The `test_gates` columns this module writes after the gate's last transition: not part of the machine context, so
 * the only columns of a terminal gate row that may still change (migration 0006's terminal trigger).
 */
export const GATE_OUTPUT_COLUMNS = ['stdout', 'stderr', 'stdout_truncated', 'stderr_truncated'] as const;

/** PostgreSQL `text` cannot hold U+0000 (NUL): it is removed before storing. */
function withoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '') : text;
}

/**
 * Stores a finished gate's output in its `test_gates` row (stdout, stderr and their truncation flags, SSOT §2.3:
 * "records exit code, stdout, stderr"; SSOT §2.3: "output is captured with a size cap per stream, truncation
 * marked"). NUL characters are removed (PostgreSQL text cannot store them). A plain column update, not a transition:
 * the output is not part of the gate's machine context, its version does not change. `EntityNotFoundError` when the
 * gate row does not exist.
 */
export async function recordGateOutput(db: Kysely<Database>, gateId: string, output: GateOutput): Promise<void> {
  let updated: bigint;
  try {
    const r = await db
      .updateTable('test_gates')
      .set({
        stdout: withoutNul(output.stdout),
        stderr: withoutNul(output.stderr),
        stdout_truncated: output.stdoutTruncated,
        stderr_truncated: output.stderrTruncated,
      })
      .where('id', '=', gateId)
      .executeTakeFirst();
    updated = r.numUpdatedRows;
  } catch (err) {
    throw mapDbError(err);
  }
  if (updated === 0n) throw new EntityNotFoundError('test_gate', gateId);
}
