import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { PersistedActors, replayAudit, verifyAudit } from '../../actors/index.js';
import {
  InvalidMigratedSnapshotError, machineCatalog, SNAPSHOT_MIGRATIONS, snapshotMigration, SnapshotMigrations, SnapshotVersionError,
} from '../../machines/index.js';
import { loadEntity, readHistory } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

// Issue 16: a snapshot persisted by an older version of a machine is migrated on load through a registered snapshot
// migration, checked against the current machine, and written back with the current version by the entity's next
// transition (its audit row records the migration; the chain verifies and replays); without a migration the entity
// is refused with SnapshotVersionError naming it and both versions, and nothing is written.

/** A test-only older version of the run machine: its context named its times `created`, `started`, `finished`. */
const V1 = 'run-v1-test';
const runV1 = setup({
  types: {} as { context: { created: number; started: number | null; finished: number | null }; events: { type: 'start'; now: number }; input: { now: number } },
}).createMachine({
  id: 'run',
  initial: 'pending',
  context: ({ input }) => ({ created: input.now, started: null, finished: null }),
  states: { pending: { on: { start: { target: 'running', actions: assign({ started: ({ event }) => event.now }) } } }, running: {} },
});

/** What the v1 machine persisted for a run created at `created` and started at `started`. */
function v1Snapshot(created: number, started: number): Record<string, unknown> {
  const actor = createActor(runV1, { input: { now: created } }).start();
  actor.send({ type: 'start', now: started });
  const persisted = actor.getPersistedSnapshot() as Record<string, unknown>;
  actor.stop();
  return JSON.parse(JSON.stringify(persisted)) as Record<string, unknown>;
}

/** The migration from the test-only v1 to the current run machine. */
const v1ToCurrent = snapshotMigration({
  machine: 'run',
  from: V1,
  to: machineCatalog.run.version,
  description: 'test: times renamed to created_at, started_at, completed_at',
  migrate: (s) => {
    const c = s['context'] as { created: number; started: number | null; finished: number | null };
    return { ...s, context: { created_at: c.created, started_at: c.started, completed_at: c.finished } };
  },
});

const T0 = Date.UTC(2026, 11, 4, 12);

describe.each(testDatabases())('snapshot migrations on load (%s)', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await tdb?.close();
  });

  /** A running run whose row was written by the v1 machine: created and started by today's actors, then its row set as v1 stored it. */
  async function storedByV1(id: string): Promise<void> {
    const actors = new PersistedActors({ db: tdb.db, clock: () => T0 });
    await actors.create('run', id, { now: T0 });
    await actors.send('run', id, { type: 'start', now: T0 + 1000 });
    await actors.close();
    await sql`UPDATE runs SET snapshot = ${JSON.stringify(v1Snapshot(T0, T0 + 1000))}::jsonb, machine_version = ${V1} WHERE id = ${id}`.execute(tdb.db);
  }

  it('migrates the old snapshot in memory on load, and writes it back with the current version on the next transition, audited', async () => {
    await storedByV1('run-old');
    const actors = new PersistedActors({ db: tdb.db, clock: () => T0 + 5000, snapshotMigrations: new SnapshotMigrations([...SNAPSHOT_MIGRATIONS, v1ToCurrent]) });
    const view = await actors.load('run', 'run-old');
    expect(view.context).toEqual({ created_at: T0, started_at: T0 + 1000, completed_at: null });
    expect(view.machineVersion).toBe(V1);
    // Reading wrote nothing.
    expect((await loadEntity(tdb.db, 'run', 'run-old'))!.machineVersion).toBe(V1);

    const done = await actors.send('run', 'run-old', { type: 'cancel', reason: 'migrated, then canceled' });
    expect(done.context).toEqual({ created_at: T0, started_at: T0 + 1000, completed_at: T0 + 5000 });
    await actors.close();
    const row = (await loadEntity(tdb.db, 'run', 'run-old'))!;
    expect([row.state, row.version, row.machineVersion]).toEqual(['canceled', 3, machineCatalog.run.version]);
    expect(row.snapshot['context']).toEqual({ created_at: T0, started_at: T0 + 1000, completed_at: T0 + 5000 });
    const history = await readHistory(tdb.db, 'run', 'run-old');
    expect(history.at(-1)!.metadata['snapshot_migration']).toEqual({ from: V1, to: machineCatalog.run.version, snapshot: v1ToCurrent.migrate(v1Snapshot(T0, T0 + 1000)) });
    expect(history.at(-1)!.metadata['machine_version']).toBe(machineCatalog.run.version);
    expect(await verifyAudit(tdb.db, { entityType: 'run' })).toMatchObject({ ok: true, firstBroken: null });
    expect(await replayAudit(tdb.db, { entityType: 'run' })).toMatchObject({ ok: true, mismatches: [] });
  });

  it('refuses an entity whose version has no migration, naming it and both versions; writes nothing; other entities go on', async () => {
    await storedByV1('run-stuck');
    const actors = new PersistedActors({ db: tdb.db, clock: () => T0 + 5000 });
    await actors.create('run', 'run-fine', { now: T0 });
    const error = await actors.load('run', 'run-stuck').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotVersionError);
    expect(error).toMatchObject({ entityType: 'run', id: 'run-stuck', storedVersion: V1, currentVersion: machineCatalog.run.version });
    expect((error as Error).message).toBe(
      `run run-stuck was persisted by machine version ${V1}, this build runs ${machineCatalog.run.version}, ` +
        `and no snapshot migration leads from ${V1} to ${machineCatalog.run.version} (machines/migrations/)`,
    );
    // Sent in one batch: the stuck run's send fails with the same error, the other commits.
    const [stuck, fine] = await Promise.allSettled([
      actors.send('run', 'run-stuck', { type: 'cancel', reason: 'x' }),
      actors.send('run', 'run-fine', { type: 'start' }),
    ]);
    expect(stuck).toMatchObject({ status: 'rejected', reason: { name: 'SnapshotVersionError', id: 'run-stuck' } });
    expect(fine).toMatchObject({ status: 'fulfilled', value: { to: 'running' } });
    await actors.close();
    const row = (await loadEntity(tdb.db, 'run', 'run-stuck'))!;
    expect([row.state, row.version, row.machineVersion]).toEqual(['running', 2, V1]);
    expect(row.snapshot).toEqual(v1Snapshot(T0, T0 + 1000));
  });

  it('refuses a migration whose result the current machine does not accept', async () => {
    await storedByV1('run-bad');
    const forgetful = snapshotMigration({ ...v1ToCurrent, migrate: (s) => ({ ...s, context: { created_at: 1, started_at: null, completed_at: null } }) });
    const actors = new PersistedActors({ db: tdb.db, snapshotMigrations: new SnapshotMigrations([forgetful]) });
    const error = await actors.load('run', 'run-bad').then(() => null, (e: unknown) => e);
    await actors.close();
    expect(error).toBeInstanceOf(InvalidMigratedSnapshotError);
    expect((error as Error).message).toBe(
      `run run-bad: the snapshot migrated from machine version ${V1} to ${machineCatalog.run.version} is not valid: ` +
        `context 'started_at' is null in state 'running' (§6.1, R-2)`,
    );
  });

  it('migrates a test_gate stored before manual gates (the registered migration): it gains no approvers', async () => {
    const actors = new PersistedActors({ db: tdb.db, clock: () => T0 });
    await actors.create('test_gate', 'gate-old', { gate_type: 'UNIT', now: T0 });
    const stored = (await loadEntity(tdb.db, 'test_gate', 'gate-old'))!.snapshot;
    const { approvers: _gone, ...oldContext } = stored['context'] as Record<string, unknown>;
    await sql`UPDATE test_gates SET snapshot = ${JSON.stringify({ ...stored, context: oldContext })}::jsonb, machine_version = '59671e32159a' WHERE id = 'gate-old'`.execute(tdb.db);
    const fresh = new PersistedActors({ db: tdb.db, clock: () => T0 + 1000 });
    expect((await fresh.load('test_gate', 'gate-old')).context.approvers).toEqual([]);
    await actors.close();
    await fresh.close();
  });
  it('migrates a workstream stored before conflict rounds (the registered migration): it keeps failing on a conflict', async () => {
    const actors = new PersistedActors({ db: tdb.db, clock: () => T0 });
    await actors.create('workstream', 'ws-old', { now: T0, planned_task_count: 1 });
    const stored = (await loadEntity(tdb.db, 'workstream', 'ws-old'))!.snapshot;
    const { on_conflict: _a, max_conflict_rounds: _b, conflict_rounds: _c, conflict: _d, ...oldContext } = stored['context'] as Record<string, unknown>;
    await sql`UPDATE workstreams SET snapshot = ${JSON.stringify({ ...stored, context: oldContext })}::jsonb, machine_version = 'e62090a94309' WHERE id = 'ws-old'`.execute(tdb.db);
    const fresh = new PersistedActors({ db: tdb.db, clock: () => T0 + 1000 });
    expect((await fresh.load('workstream', 'ws-old')).context).toMatchObject({ on_conflict: 'fail', max_conflict_rounds: 2, conflict_rounds: 0, conflict: null });
    await actors.close();
    await fresh.close();
  });
});
