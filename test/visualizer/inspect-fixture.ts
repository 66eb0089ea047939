import { PersistedActors } from '../../actors/index.js';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from '../support/test-database.js';
import { startInspectServer, type InspectServer } from '../../visualizer/index.js';
import { recomputeHash } from '../../actors/index.js';

/** A test database holding one small run of every entity type, persisted actors on it, and an inspection server. */
export interface InspectFixture {
  readonly tdb: TestDatabase;
  readonly actors: PersistedActors;
  readonly server: InspectServer;
  close(): Promise<void>;
}

const T0 = 1_700_000_000_000;

/** Epoch ms `s` seconds after the fixture's start instant. */
export function at(s: number): number {
  return T0 + s * 1000;
}

/**
 * Writes run `run-1` (started) with workstream `ws-a`, tasks `task-a1` (pending) and `task-a2` (cancelled), worker
 * `worker-1` (idle), UET worker `uet-1` (IDLE), patch `patch-1` (quarantined), gate `gate-1` (RUNNING) and, outside
 * the run, breaker `breaker-1` (OPEN) — through the real actor layer, so hashes chain as the engine writes them.
 */
export async function populate(actors: PersistedActors): Promise<void> {
  const run = { run_id: 'run-1' };
  await actors.create('run', 'run-1', { now: at(0) });
  await actors.send('run', 'run-1', { type: 'start', now: at(1) }, { operator: 'alice', reason: 'kick-off' });
  await actors.create('workstream', 'ws-a', { planned_task_count: 2, now: at(2) }, { links: run });
  await actors.create('task', 'task-a1', { now: at(3) }, { links: { ...run, workstream_id: 'ws-a' } });
  await actors.create('task', 'task-a2', { now: at(3) }, { links: { ...run, workstream_id: 'ws-a' } });
  await actors.send('task', 'task-a2', { type: 'user_cancelled', now: at(4) }, { operator: 'bob', reason: 'not needed' });
  await actors.create('worker', 'worker-1', { now: at(5) }, { links: run });
  await actors.send('worker', 'worker-1', { type: 'registration_complete', capabilities: ['node'], now: at(6) });
  await actors.create('uet_worker', 'uet-1', { now: at(5) }, { links: run });
  await actors.send('uet_worker', 'uet-1', { type: 'spawn_complete', now: at(6) });
  await actors.create('patch_ledger', 'patch-1', { patch_id: 'patch-1', now: at(7) }, { links: { ...run, workstream_id: 'ws-a', task_id: 'task-a1' } });
  await actors.send('patch_ledger', 'patch-1', { type: 'validation_failed', reason: 'scope', now: at(8) }, { reason: 'scope' });
  await actors.create('test_gate', 'gate-1', { gate_type: 'UNIT', now: at(9) }, { links: { ...run, workstream_id: 'ws-a' } });
  await actors.send('test_gate', 'gate-1', { type: 'start', now: at(10) });
  await actors.create('circuit_breaker', 'breaker-1', { failure_threshold: 1, now: at(11) });
  await actors.send('circuit_breaker', 'breaker-1', { type: 'call_failed', now: at(12) });
}

/** Opens a test database of `kind`, populates it unless `empty`, and starts a server on a free port (hashes recomputed). */
export async function openInspectFixture(kind: TestDatabaseKind, opts: { empty?: boolean; migrate?: boolean } = {}): Promise<InspectFixture> {
  const tdb = await openTestDatabase(kind, { migrate: opts.migrate ?? true });
  const actors = new PersistedActors({ db: tdb.db });
  if (!opts.empty && opts.migrate !== false) await populate(actors);
  const server = await startInspectServer({ db: tdb.db, database: { kind: tdb.kind, target: tdb.target }, verifyHash: recomputeHash, port: 0 });
  return {
    tdb,
    actors,
    server,
    close: async () => {
      await server.close();
      await actors.close();
      await tdb.close();
    },
  };
}

/** GETs a JSON endpoint of the fixture's server: status and parsed body. */
export async function getJson(server: InspectServer, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: await res.json() };
}
