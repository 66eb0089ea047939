import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { mapDbError } from './map-db-error.js';

/** Bytes kept per stream of a task attempt's output (256 KiB, as for a gate's): the head is kept, truncation marked. */
export const ATTEMPT_OUTPUT_MAX_BYTES = 256 * 1024;

/** What one task attempt printed and how it ended, as {@link recordAttemptOutput} stores it. */
export interface AttemptOutput {
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly runId: string | null;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The stream was already cut where it was captured. */
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
}

/** `text` cut to at most `max` UTF-8 bytes (never inside a character), NUL removed (PostgreSQL text cannot hold it). */
function capped(text: string, max: number): { text: string; cut: boolean } {
  const clean = text.includes('\0') ? text.replaceAll('\0', '') : text;
  const bytes = Buffer.from(clean, 'utf8');
  if (bytes.length <= max) return { text: clean, cut: false };
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // back to the start of a character
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}

/**
 * Stores what a task attempt printed (`task_attempt_outputs`, migration 0007), each stream capped at
 * {@link ATTEMPT_OUTPUT_MAX_BYTES} with truncation marked. Written again for the same attempt (a repeated write after
 * a crash) it replaces the row. A plain row write beside the task, not a transition.
 */
export async function recordAttemptOutput(db: Kysely<Database>, o: AttemptOutput): Promise<void> {
  const out = capped(o.stdout, ATTEMPT_OUTPUT_MAX_BYTES);
  const err = capped(o.stderr, ATTEMPT_OUTPUT_MAX_BYTES);
  const row = {
    run_id: o.runId,
    exit_code: o.exitCode,
    stdout: out.text,
    stderr: err.text,
    stdout_truncated: o.stdoutTruncated || out.cut,
    stderr_truncated: o.stderrTruncated || err.cut,
    recorded_at: new Date(),
  };
  try {
    await db
      .insertInto('task_attempt_outputs')
      .values({ task_id: o.taskId, attempt: o.attempt, ...row })
      .onConflict((oc) => oc.columns(['task_id', 'attempt']).doUpdateSet(row))
      .execute();
  } catch (e) {
    throw mapDbError(e);
  }
}
