import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, recomputeHash } from '../../actors/index.js';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';
import { liveFromCommitted, startInspectServer, type InspectServer, type LiveMessage } from '../../visualizer/index.js';
import { openTestDatabase, testDatabases, uniqueSchemaName, type TestDatabase } from '../support/test-database.js';
import { at } from './inspect-fixture.js';
import { openLiveSocket, upgradeStatus } from './live-socket.js';

// docs/design/engine.md §7.1: the /live WebSocket of the inspection server, driven by a real client (no browser here; see
// live-page-*.test.ts for the page).

const isTransitions = (m: LiveMessage): m is Extract<LiveMessage, { type: 'transitions' }> => m.type === 'transitions';

describe.each(testDatabases())('/live fed by the engine’s in-process subscription (%s)', (kind) => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  let server: InspectServer;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    actors = new PersistedActors({ db: tdb.db });
    const live = liveFromCommitted(actors.subscribe.bind(actors));
    server = await startInspectServer({ db: tdb.db, database: { kind, target: tdb.target }, verifyHash: recomputeHash, port: 0, live });
  });
  afterAll(async () => {
    await server?.close();
    await actors?.close();
    await tdb?.close();
  });

  it('says hello with its source, then pushes each committed transition with its run id', async () => {
    expect(server.live).toBe('engine');
    const socket = await openLiveSocket(server.url);
    try {
      const hello = await socket.next((m) => m.type === 'hello');
      expect(hello).toMatchObject({ type: 'hello', source: 'engine', listening: true });
      await actors.create('run', 'run-live', { now: at(0) });
      await actors.create('workstream', 'ws-live', { planned_task_count: 1, now: at(1) }, { links: { run_id: 'run-live' } });
      await actors.create('task', 'task-live', { now: at(1) }, { links: { run_id: 'run-live', workstream_id: 'ws-live' } });
      await actors.send('task', 'task-live', { type: 'user_cancelled', now: at(2) });
      await actors.send('run', 'run-live', { type: 'start', now: at(2) });
      const started = await socket.next((m) => isTransitions(m) && m.transitions.some((t) => t.to === 'running'));
      expect(isTransitions(started) && started.transitions.find((t) => t.to === 'running')).toEqual({
        entity_type: 'run', id: 'run-live', from: 'pending', to: 'running', event: 'start', run_id: 'run-live',
      });
      const all = socket.messages.filter(isTransitions).flatMap((m) => m.transitions);
      expect(all.find((t) => t.id === 'task-live')).toEqual({
        entity_type: 'task', id: 'task-live', from: 'pending', to: 'cancelled', event: 'user_cancelled', run_id: 'run-live',
      });
      const status = (await (await fetch(`${server.url}/api/status`)).json()) as { live: Record<string, unknown> };
      expect(status.live).toMatchObject({ source: 'engine', listening: true, pages: 1 });
    } finally {
      await socket.close();
    }
  });

  it('without a source (PGlite standalone) the socket says so and the page keeps polling', async () => {
    const plain = await startInspectServer({ db: tdb.db, database: { kind, target: tdb.target }, port: 0 });
    const socket = await openLiveSocket(plain.url);
    try {
      expect(plain.live).toBe('polling');
      expect(await socket.next((m) => m.type === 'hello')).toMatchObject({ source: 'polling', listening: false });
      const status = (await (await fetch(`${plain.url}/api/status`)).json()) as { live: Record<string, unknown> };
      expect(status.live).toMatchObject({ source: 'polling', listening: false });
    } finally {
      await socket.close();
      await plain.close();
    }
  });

  it('refuses another origin (403) and answers 404 to an upgrade of any other path', async () => {
    expect(await upgradeStatus(server.url, '/live', 'http://evil.example')).toBe(403);
    expect(await upgradeStatus(server.url, '/elsewhere', server.url)).toBe(404);
    expect(await upgradeStatus(server.url, '/live', server.url.replace('127.0.0.1', 'localhost'))).toBe(101);
  });
});

for (const kind of testDatabases()) {
  if (kind === 'postgres') describe('/live fed by LISTEN gantry_transitions (postgres)', () => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  let server: InspectServer;
  const logged: string[] = [];
  beforeAll(async () => {
    tdb = await openTestDatabase('postgres');
    actors = new PersistedActors({ db: tdb.db });
    const listen = { url: tdb.url!, schema: tdb.schema, timing: { minBackoffMs: 100, maxBackoffMs: 1000 } };
    server = await startInspectServer({ db: tdb.db, database: { kind: 'postgres', target: tdb.target }, port: 0, listen, log: (l) => logged.push(l) });
  });
  afterAll(async () => {
    await server?.close();
    await actors?.close();
    await tdb?.close();
  });

  it('pushes a notice with the newest audit id for a commit in its schema, not for another schema', async () => {
    expect(server.live).toBe('postgres');
    const socket = await openLiveSocket(server.url);
    const other = await createDatabase({ url: tdb.url!, schema: uniqueSchemaName() });
    try {
      expect(await socket.next((m) => m.type === 'hello')).toMatchObject({ source: 'postgres', listening: true });
      await migrateToLatest(other.db);
      const otherActors = new PersistedActors({ db: other.db });
      await otherActors.create('circuit_breaker', 'elsewhere', { failure_threshold: 1, now: at(0) });
      await otherActors.close();
      await actors.create('run', 'run-pg', { now: at(0) });
      const notice = await socket.next(isTransitions);
      const { rows } = await sql<{ id: string }>`SELECT max(id) AS id FROM state_transitions`.execute(tdb.db);
      // A run's own audit rows carry its id as their run_id, so the trigger lists the run for them too.
      expect(notice).toMatchObject({ source: 'postgres', count: 1, max_id: Number(rows[0]!.id), run_ids: ['run-pg'], transitions: [] });
      await actors.create('workstream', 'ws-pg', { planned_task_count: 1, now: at(1) }, { links: { run_id: 'run-pg' } });
      expect(await socket.next((m) => isTransitions(m) && Number(m.max_id) > Number(rows[0]!.id))).toMatchObject({ count: 1, run_ids: ['run-pg'] });
    } finally {
      await sql`drop schema if exists ${sql.id(other.schema!)} cascade`.execute(other.db);
      await other.close();
      await socket.close();
    }
  });

  it('when its connection is killed it tells the pages, reconnects with backoff, asks them to resync, and notifies again', async () => {
    const socket = await openLiveSocket(server.url);
    try {
      await socket.next((m) => m.type === 'hello');
      const killed = await sql<{ ok: boolean }>`
        SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ${`gantry-listen:${tdb.schema}`}`.execute(tdb.db);
      expect(killed.rows.map((r) => r.ok)).toEqual([true]);
      expect(await socket.next((m) => m.type === 'source' && !m.listening)).toMatchObject({ source: 'postgres', listening: false });
      await socket.next((m) => m.type === 'source' && m.listening);
      await socket.next((m) => m.type === 'resync');
      expect(logged.some((l) => /connection .* lost/.test(l))).toBe(true);
      expect(logged.some((l) => /LISTEN gantry_transitions resumed/.test(l))).toBe(true);
      await actors.create('run', 'run-after', { now: at(5) });
      await actors.create('workstream', 'ws-after', { planned_task_count: 1, now: at(6) }, { links: { run_id: 'run-after' } });
      expect(await socket.next((m) => isTransitions(m) && m.run_ids.includes('run-after'))).toMatchObject({ source: 'postgres' });
    } finally {
      await socket.close();
    }
  });
});
}
