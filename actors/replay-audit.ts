import type { Kysely } from 'kysely';
import type { AnyMachineSnapshot } from 'xstate';
import { applyEvent, entityTypeOf, initialSnapshot, persistSnapshot, restoreSnapshot, snapshotMigrations } from '../machines/index.js';
import { loadEntitiesOfTypes, readAllChains, type AuditRecord, type Database, type EntityRecord } from '../persistence/index.js';
import { canonicalJson } from './canonical-json.js';
import { overrideSnapshot } from './override-snapshot.js';
import { SNAPSHOT_MIGRATION_TRIGGER } from './migrate-stored-snapshot.js';

/** One entity whose replayed audit does not give its stored state and snapshot. */
export interface ReplayMismatch {
  readonly entityType: string;
  readonly entityId: string;
  readonly seq: number | null;
  readonly problem: string;
}

/** Result of {@link replayAudit}. */
export interface AuditReplay {
  readonly ok: boolean;
  readonly entities: number;
  readonly transitions: number;
  readonly mismatches: readonly ReplayMismatch[];
}

/**
 * Replays every entity's audit through its machine (docs/design/engine.md §4): the creation row's input gives the initial
 * snapshot, each later row's recorded event is applied and must land in its `to_state`, and the result must equal
 * the stored state and snapshot. Reports every mismatching entity (at most `limit`, default 100).
 */
export async function replayAudit(db: Kysely<Database>, opts: { entityType?: string; limit?: number } = {}): Promise<AuditReplay> {
  const limit = opts.limit ?? 100;
  const mismatches: ReplayMismatch[] = [];
  let entities = 0;
  let transitions = 0;
  let chain: AuditRecord[] = [];
  /** Replayed chains whose entity row is not compared yet (read in batches: one query per entity type). */
  let replayed: { first: AuditRecord; result: Replayed }[] = [];
  const flush = async () => {
    const batch = replayed;
    replayed = [];
    const found = await loadEntitiesOfTypes(db, batch.filter((r) => 'snap' in r.result).map((r) => ({ entityType: r.first.entityType, id: r.first.entityId })));
    for (const r of batch) {
      const m = 'mismatch' in r.result ? r.result.mismatch : compareStored(r.first, r.result.snap, found(r.first.entityType, r.first.entityId));
      if (m && mismatches.length < limit) mismatches.push(m);
    }
  };
  const finish = async () => {
    if (chain.length === 0) return;
    entities++;
    transitions += chain.length - 1;
    replayed.push({ first: chain[0]!, result: replayChain(chain) });
    chain = [];
    if (replayed.length >= REPLAY_BATCH) await flush();
  };
  for await (const r of readAllChains(db, opts)) {
    if (chain.length > 0 && (chain[0]!.entityType !== r.entityType || chain[0]!.entityId !== r.entityId)) await finish();
    chain.push(r);
  }
  await finish();
  await flush();
  return { ok: mismatches.length === 0, entities, transitions, mismatches };
}

/** Entity rows compared per query. */
const REPLAY_BATCH = 500;

/** What replaying one chain gives: the snapshot it reaches, or the first row that does not replay. */
type Replayed = { readonly snap: AnyMachineSnapshot } | { readonly mismatch: ReplayMismatch };

/** Replays one entity's chain through its machine. */
function replayChain(chain: readonly AuditRecord[]): Replayed {
  const first = chain[0]!;
  const miss = (seq: number | null, problem: string): Replayed => ({ mismatch: { entityType: first.entityType, entityId: first.entityId, seq, problem } });
  if (first.trigger !== 'create' || !first.metadata.input) return miss(first.seq, 'chain does not start with a creation row holding the input');
  let snap: AnyMachineSnapshot;
  try {
    snap = initialSnapshot(first.entityType, first.metadata.input);
  } catch (err) {
    return miss(first.seq, `initial snapshot: ${(err as Error).message}`);
  }
  for (const r of chain.slice(1)) {
    // A snapshot migration (docs/engine-decisions.md): the row carries the migrated snapshot; replay continues from it.
    const migrated = migratedSnapshot(r);
    if (migrated instanceof Error) return miss(r.seq, migrated.message);
    if (migrated) {
      snap = migrated;
      if (r.trigger === SNAPSHOT_MIGRATION_TRIGGER) {
        if (String(snap.value) !== r.toState) return miss(r.seq, `migrated snapshot is in '${String(snap.value)}' but the row says '${r.toState}'`);
        continue;
      }
    }
    const forced = forcedSnapshot(r);
    if (forced instanceof Error) return miss(r.seq, forced.message);
    if (forced) {
      snap = forced;
      if (String(snap.value) !== r.toState) return miss(r.seq, `override snapshot is in '${String(snap.value)}' but the row says '${r.toState}'`);
      continue;
    }
    const event = r.metadata.event as ({ type: string } & Record<string, unknown>) | undefined;
    if (!event || event.type !== r.trigger) return miss(r.seq, `row does not record its event '${r.trigger}'`);
    try {
      snap = applyEvent(r.entityType, snap, event, r.entityId).snapshot;
    } catch (err) {
      return miss(r.seq, `replay refused: ${(err as Error).message}`);
    }
    if (String(snap.value) !== r.toState) return miss(r.seq, `replay reached '${String(snap.value)}' but the row says '${r.toState}'`);
  }
  return { snap };
}

/** Compares the stored entity row with the replayed snapshot: a mismatch, or null when they agree. */
function compareStored(first: AuditRecord, snap: AnyMachineSnapshot, rec: EntityRecord | undefined): ReplayMismatch | null {
  const miss = (problem: string): ReplayMismatch => ({ entityType: first.entityType, entityId: first.entityId, seq: null, problem });
  if (!rec) return miss('entity row missing');
  if (rec.state !== String(snap.value)) return miss(`stored state '${rec.state}' but replay gives '${String(snap.value)}'`);
  // A snapshot stored under an older machine version (a terminal one is never rewritten) is compared as it reads now.
  let stored: Readonly<Record<string, unknown>>;
  try {
    stored = snapshotMigrations.migrate(entityTypeOf(rec.entityType), rec.id, rec.machineVersion, rec.snapshot, rec.state).snapshot;
  } catch (err) {
    return miss((err as Error).message);
  }
  if (canonicalJson(stored) !== canonicalJson(persistSnapshot(first.entityType, snap))) return miss('stored snapshot differs from the replayed one');
  return null;
}

/** The migrated snapshot a row records (`metadata.snapshot_migration.snapshot`), null when none, or why it is unreadable. */
function migratedSnapshot(r: AuditRecord): AnyMachineSnapshot | Error | null {
  const m = r.metadata['snapshot_migration'];
  if (m === undefined || m === null) {
    return r.trigger === SNAPSHOT_MIGRATION_TRIGGER ? new Error(`snapshot migration row ${r.seq} does not record its snapshot`) : null;
  }
  try {
    const snapshot = (m as { snapshot?: unknown }).snapshot;
    if (snapshot === null || typeof snapshot !== 'object') throw new Error(`row ${r.seq} records a snapshot migration without its snapshot`);
    return restoreSnapshot(r.entityType, snapshot);
  } catch (err) {
    return err as Error;
  }
}

/** A manual override row's forced snapshot (null for ordinary rows), or the error that it lacks one. */
function forcedSnapshot(r: AuditRecord): AnyMachineSnapshot | Error | null {
  try {
    return overrideSnapshot(r);
  } catch (err) {
    return err as Error;
  }
}
