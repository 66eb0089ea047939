import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';
import { dropAuditDdl, initAuditDdl } from './0001-init-audit.js';
import { dropGatesDdl, initGatesDdl } from './0001-init-gates.js';
import { dropPatchesDdl, initPatchesDdl } from './0001-init-patches.js';
import { dropRunsDdl, initRunsDdl } from './0001-init-runs.js';
import { dropTasksDdl, initTasksDdl } from './0001-init-tasks.js';
import { dropWorkersDdl, initWorkersDdl } from './0001-init-workers.js';

/** Runs statements one at a time (PGlite's extended protocol takes one statement per query). */
async function run(db: Kysely<any>, statements: readonly string[]): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

/** Migration 0001: every table of docs/design/engine.md §3 with the SSOT's constraints, indexes and the audit trigger. */
export const migration0001Init: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await run(db, [...initRunsDdl, ...initTasksDdl, ...initWorkersDdl, ...initPatchesDdl, ...initGatesDdl, ...initAuditDdl]);
  },
  async down(db: Kysely<any>): Promise<void> {
    await run(db, [...dropAuditDdl, ...dropGatesDdl, ...dropPatchesDdl, ...dropWorkersDdl, ...dropTasksDdl, ...dropRunsDdl]);
  },
};
