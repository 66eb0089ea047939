import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { readPatchDiffs, readRunPlans, type Database } from '../persistence/index.js';
import { canonicalJson } from './canonical-json.js';

/** SHA-256 (hex) of a patch diff's UTF-8 bytes: what the ledger entry's creation audit row records as `diff_sha256`. */
export function diffSha256(diff: string): string {
  return createHash('sha256').update(diff, 'utf8').digest('hex');
}

/**
 * SHA-256 (hex) of a plan's canonical JSON (keys sorted, undefined dropped, as stored in `run_sources.plan`): what
 * the run's `start` audit row records as `plan_sha256`.
 */
export function planSha256(plan: unknown): string {
  return createHash('sha256').update(canonicalJson(JSON.parse(JSON.stringify(plan)) as unknown), 'utf8').digest('hex');
}

/** A stored row whose content no longer has the hash its audit recorded. */
export interface HashMismatch {
  /** `patches` or `run_sources`. */
  readonly table: string;
  /** The row's id (patch id, run id). */
  readonly id: string;
  readonly recorded: string;
  readonly actual: string;
}

/** Result of {@link verifyContentHashes}. */
export interface ContentVerification {
  readonly patchesChecked: number;
  /** Patches whose ledger audit records no hash (written before issue 11, or without a ledger entry). */
  readonly patchesUnrecorded: readonly string[];
  readonly runSourcesChecked: number;
  /** Runs whose audit records no plan hash (started before issue 11). */
  readonly runSourcesUnrecorded: readonly string[];
  readonly mismatches: readonly HashMismatch[];
}

/**
 * Recomputes the hash of every `patches.diff` and every recorded plan (`run_sources.plan`) and compares it with the
 * one their audit chain recorded (issue 11); the chain itself is checked by `verifyAudit`. `patches`/`runs` select
 * which tables (default both).
 */
export async function verifyContentHashes(db: Kysely<Database>, opts: { patches?: boolean; runs?: boolean } = {}): Promise<ContentVerification> {
  let patchesChecked = 0;
  const patchesUnrecorded: string[] = [];
  const runSourcesUnrecorded: string[] = [];
  const mismatches: HashMismatch[] = [];
  if (opts.patches ?? true) {
    for await (const p of readPatchDiffs(db)) {
      if (p.recordedSha256 === null) {
        patchesUnrecorded.push(p.patchId);
        continue;
      }
      patchesChecked++;
      const actual = diffSha256(p.diff);
      if (actual !== p.recordedSha256) mismatches.push({ table: 'patches', id: p.patchId, recorded: p.recordedSha256, actual });
    }
  }
  let runSourcesChecked = 0;
  if (opts.runs ?? true) {
    for (const r of await readRunPlans(db)) {
      if (r.recordedSha256 === null) {
        runSourcesUnrecorded.push(r.runId);
        continue;
      }
      runSourcesChecked++;
      const actual = planSha256(r.plan);
      if (actual !== r.recordedSha256) mismatches.push({ table: 'run_sources', id: r.runId, recorded: r.recordedSha256, actual });
    }
  }
  return { patchesChecked, patchesUnrecorded, runSourcesChecked, runSourcesUnrecorded, mismatches };
}
