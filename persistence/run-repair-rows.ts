import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database.js';

/** A ledger entry of a run and the workstream it belongs to (the engine's per-workstream ledger index). */
export interface LedgerPlace {
  readonly id: string;
  readonly workstream_id: string | null;
}

/** The ledger entries of run `runId` with their workstreams, in creation order (ties by id). */
export async function runLedgerPlaces(db: Kysely<Database>, runId: string): Promise<LedgerPlace[]> {
  return db.selectFrom('patch_ledger_entries').select(['id', 'workstream_id']).where('run_id', '=', runId).orderBy('created_at').orderBy('id').execute();
}

/** A task row as resume's repair reads it: its state, the worker that holds it, and the version to pin a send to. */
export interface RepairTaskRow {
  readonly id: string;
  readonly state: string;
  readonly worker_id: string | null;
  readonly version: number;
}

/** Every task of run `runId`, by id. */
export async function runTaskRows(db: Kysely<Database>, runId: string): Promise<RepairTaskRow[]> {
  return db.selectFrom('tasks').select(['id', 'state', 'worker_id', 'version']).where('run_id', '=', runId).orderBy('id').execute();
}

/** The entity tables resume looks into by state. */
export type RepairTable = 'tasks' | 'test_gates' | 'workers' | 'uet_workers';

/** Ids of the rows of run `runId` in `table` whose state is `state`, by id. */
export async function runIdsInState(db: Kysely<Database>, table: RepairTable, runId: string, state: string): Promise<string[]> {
  const rows = await db.selectFrom(table).select('id').where('run_id', '=', runId).where('state', '=', state).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Which of the gate ids `ids` exist already (a resumed validation creates only the others). */
export async function existingGateIds(db: Kysely<Database>, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set((await db.selectFrom('test_gates').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
}

/** A stored patch and the state of its ledger entry, each null when not written yet (a crash came first). */
export interface StoredAttempt {
  readonly diff: string | null;
  readonly ledgerState: string | null;
}

/** The stored patch of ledger entry `ledgerId` and the entry's state. */
export async function storedAttempt(db: Kysely<Database>, ledgerId: string): Promise<StoredAttempt> {
  const [patch, ledger] = await Promise.all([
    db.selectFrom('patches').select('diff').where('id', '=', ledgerId).executeTakeFirst(),
    db.selectFrom('patch_ledger_entries').select('state').where('id', '=', ledgerId).executeTakeFirst(),
  ]);
  return { diff: patch?.diff ?? null, ledgerState: ledger?.state ?? null };
}

/** Every row of one workstream, whole, for its archive file (docs/design/machines.md §1.3.7 inv. 4). */
export interface WorkstreamRows {
  readonly workstream: Selectable<Database['workstreams']> | null;
  readonly tasks: Selectable<Database['tasks']>[];
  readonly ledger: Selectable<Database['patch_ledger_entries']>[];
  readonly gates: Selectable<Database['test_gates']>[];
  readonly patches: Selectable<Database['patches']>[];
}

/** The rows of workstream `wsId` and of its tasks, ledger entries, gates and patches, each by id. */
export async function workstreamRows(db: Kysely<Database>, wsId: string): Promise<WorkstreamRows> {
  const [workstream, tasks, ledger, gates, patches] = await Promise.all([
    db.selectFrom('workstreams').selectAll().where('id', '=', wsId).executeTakeFirst(),
    db.selectFrom('tasks').selectAll().where('workstream_id', '=', wsId).orderBy('id').execute(),
    db.selectFrom('patch_ledger_entries').selectAll().where('workstream_id', '=', wsId).orderBy('id').execute(),
    db.selectFrom('test_gates').selectAll().where('workstream_id', '=', wsId).orderBy('id').execute(),
    db.selectFrom('patches').selectAll().where('workstream_id', '=', wsId).orderBy('id').execute(),
  ]);
  return { workstream: workstream ?? null, tasks, ledger, gates, patches };
}
