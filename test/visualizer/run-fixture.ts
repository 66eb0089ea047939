import type { Kysely } from 'kysely';
import { PersistedActors, recomputeHash } from '../../actors/index.js';
import { runReasons } from '../../ops/index.js';
import { recordAttemptOutput, type Database } from '../../persistence/index.js';
import { startInspectServer, type InspectServer } from '../../visualizer/index.js';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from '../support/test-database.js';
import { at } from './inspect-fixture.js';

/** The failed run's ids: a long workstream id (the page must not clip it) and its tasks. */
export const FAILED = {
  run: 'fr',
  ws: 'fr.a-workstream-with-a-deliberately-long-identifier-that-never-fits-one-line',
  other: 'fr.ok',
  boom: 'fr.ok.boom',
  after: 'fr.ok.after',
  done: 'fr.a-workstream-with-a-deliberately-long-identifier-that-never-fits-one-line.build-everything-now',
} as const;

/**
 * Writes run `fr` through the real actors: workstream `fr.ok` (critical) whose task `boom` fails its two attempts
 * (exit 3, output stored per attempt), its dependant `after` cancelled because of it, the workstream failed, the run
 * failed; and a long-named workstream with one completed task.
 */
export async function populateFailedRun(actors: PersistedActors, db: Kysely<Database>): Promise<void> {
  const links = { run_id: FAILED.run };
  await actors.create('run', FAILED.run, { now: at(0) });
  await actors.send('run', FAILED.run, { type: 'start', now: at(1) });
  for (const ws of [FAILED.other, FAILED.ws]) await actors.create('workstream', ws, { planned_task_count: ws === FAILED.ws ? 1 : 2, critical: ws === FAILED.other, now: at(1) }, { links });
  await actors.create('task', FAILED.done, { now: at(2) }, { links: { ...links, workstream_id: FAILED.ws } });
  await actors.create('task', FAILED.boom, { max_retries: 1, now: at(2) }, { links: { ...links, workstream_id: FAILED.other } });
  await actors.create('task', FAILED.after, { depends_on: [FAILED.boom], now: at(2) }, { links: { ...links, workstream_id: FAILED.other } });
  for (const ws of [FAILED.other, FAILED.ws]) await actors.send('workstream', ws, { type: 'tasks_created', task_count: ws === FAILED.ws ? 1 : 2, dependencies: {}, now: at(3) });
  await actors.send('workstream', FAILED.other, { type: 'task_started', tasks: [{ id: FAILED.boom, state: 'running' }], now: at(3) });
  await actors.send('task', FAILED.done, { type: 'scheduler_assigned', now: at(3) });
  await actors.send('task', FAILED.done, { type: 'worker_started', worker_id: 'agent-1', worker_capabilities: [], now: at(4) });
  await actors.send('task', FAILED.done, { type: 'execution_completed', exit_code: 0, now: at(6) });
  await actors.send('task', FAILED.done, { type: 'validation_passed', gates: {}, ledger_state: null, now: at(7) });
  await actors.send('task', FAILED.boom, { type: 'scheduler_assigned', now: at(3) });
  await actors.send('task', FAILED.boom, { type: 'worker_started', worker_id: 'agent-2', worker_capabilities: [], now: at(4) });
  await recordAttemptOutput(db, { taskId: FAILED.boom, attempt: 1, runId: FAILED.run, exitCode: 3, stdout: 'attempt one says hello\n', stderr: 'first try broke\n', stdoutTruncated: false, stderrTruncated: false });
  await actors.send('task', FAILED.boom, { type: 'execution_failed', exit_code: 3, error: 'exit code 3: first try broke', now: at(5) });
  await actors.send('task', FAILED.boom, { type: 'retry_delay_elapsed', now: at(60) });
  await actors.send('task', FAILED.boom, { type: 'worker_started', worker_id: 'agent-2', worker_capabilities: [], now: at(61) });
  await recordAttemptOutput(db, { taskId: FAILED.boom, attempt: 2, runId: FAILED.run, exitCode: 3, stdout: 'to-stdout on the second attempt\n', stderr: 'first line\nthe real cause\n', stdoutTruncated: false, stderrTruncated: false });
  await actors.send('task', FAILED.boom, { type: 'execution_failed', exit_code: 3, error: 'exit code 3: first line\nthe real cause', now: at(63) });
  await actors.send('task', FAILED.after, { type: 'dependency_failed', dependencies: { [FAILED.boom]: 'failed' }, reason: 'a dependency failed or was cancelled', now: at(64) });
  await actors.send('workstream', FAILED.other, { type: 'critical_task_failed', tasks: [{ id: FAILED.boom, state: 'failed', critical: true }], now: at(65) });
  await actors.send('run', FAILED.run, { type: 'critical_workstream_failed', workstreams: [{ id: FAILED.other, state: 'failed', critical: true }], now: at(66) });
}

/** A test database holding the failed run, and an inspection server that explains it (ops' reasons handed in). */
export interface FailedRunFixture {
  readonly tdb: TestDatabase;
  readonly actors: PersistedActors;
  readonly server: InspectServer;
  close(): Promise<void>;
}

/** Opens a database of `kind`, writes the failed run (and whatever `more` adds), and starts a server on a free port. */
export async function openFailedRunFixture(kind: TestDatabaseKind, more?: (actors: PersistedActors, db: Kysely<Database>) => Promise<void>): Promise<FailedRunFixture> {
  const tdb = await openTestDatabase(kind);
  const actors = new PersistedActors({ db: tdb.db });
  await populateFailedRun(actors, tdb.db);
  if (more) await more(actors, tdb.db);
  const reasons = async (runId: string) => (await runReasons(tdb.db, runId)).all;
  const server = await startInspectServer({ db: tdb.db, database: { kind: tdb.kind, target: tdb.target }, verifyHash: recomputeHash, reasons, port: 0 });
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
