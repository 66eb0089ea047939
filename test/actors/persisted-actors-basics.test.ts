import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, recomputeHash, type CommittedTransition } from '../../actors/index.js';
import { InvalidPayloadError, InvalidTransitionError } from '../../machines/index.js';
import { EntityExistsError, EntityNotFoundError, loadEntity, readHistory } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

describe.each(testDatabases())('persisted actors on %s', (kind) => {
  let tdb: TestDatabase;
  let dir: string;
  let actors: PersistedActors;
  let t = 1_700_000_000_000;
  const clock = () => (t += 1000);

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'gantry-actors-'));
    actors = new PersistedActors({ db: tdb.db, clock, transitionLog: join(dir, 'transitions.jsonl') });
  });
  afterAll(async () => {
    await actors.close();
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates an entity at version 1 in its initial state with a creation audit row', async () => {
    const v = await actors.create('task', 'task-a', { max_retries: 2 });
    expect([v.state, v.version, v.context.max_retries]).toEqual(['pending', 1, 2]);
    const rows = await readHistory(tdb.db, 'task', 'task-a');
    expect(rows.map((r) => [r.seq, r.fromState, r.toState, r.trigger])).toEqual([[1, null, 'pending', 'create']]);
    await expect(actors.create('task', 'task-a')).rejects.toBeInstanceOf(EntityExistsError);
  });

  it('sends events: row, state columns, snapshot and a hash-chained audit row move together', async () => {
    await actors.create('task', 'task-b', { required_capabilities: ['node'] });
    await actors.send('task', 'task-b', { type: 'scheduler_assigned' });
    const seen: CommittedTransition[] = [];
    const off = actors.subscribe((x) => void seen.push(x));
    const workers: string[] = [];
    const offTasks = actors.subscribe('task', (x) => void workers.push(`${x.to}:${x.context.worker_id}`));
    const offRuns = actors.subscribe('run', (x) => void workers.push(`run ${x.to}`));
    const r = await actors.send('task', 'task-b', { type: 'worker_started', worker_id: 'agent-1', worker_capabilities: ['node'] }, { operator: 'alice', reason: 'manual start' });
    off();
    offTasks();
    offRuns();
    expect([r.from, r.to, r.version, r.context.worker_id]).toEqual(['queued', 'running', 3, 'agent-1']);
    expect(seen.map((s) => s.to)).toEqual(['running']);
    expect(workers).toEqual(['running:agent-1']);
    const rec = (await loadEntity(tdb.db, 'task', 'task-b'))!;
    expect([rec.state, rec.version, rec.columns.worker_id]).toEqual(['running', 3, 'agent-1']);
    expect(rec.columns.started_at).toBeInstanceOf(Date);
    const rows = await readHistory(tdb.db, 'task', 'task-b');
    expect(rows.map((x) => x.toState)).toEqual(['pending', 'queued', 'running']);
    expect(rows[2]!.operator).toBe('alice');
    expect(rows[2]!.reason).toBe('manual start');
    expect(rows[2]!.metadata.worker_id).toBe('agent-1');
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(rec.lastHash).toBe(rows[2]!.hash);
  });

  it('refuses an invalid transition with InvalidTransitionError and writes nothing', async () => {
    await actors.create('run', 'run-x');
    const before = await readHistory(tdb.db, 'run', 'run-x');
    await expect(actors.send('run', 'run-x', { type: 'all_workstreams_done', workstreams: [] })).rejects.toBeInstanceOf(InvalidTransitionError);
    expect(await readHistory(tdb.db, 'run', 'run-x')).toEqual(before);
    expect((await actors.load('run', 'run-x')).version).toBe(1);
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    await expect(actors.create('task', 'bad id')).rejects.toThrow(/invalid task id 'bad id'/);
    await expect(actors.create('task', 'task-z', { max_retries: -1 })).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(actors.send('task', 'nope', { type: 'scheduler_assigned' })).rejects.toBeInstanceOf(EntityNotFoundError);
    await expect(actors.createUntrusted('spaceship', 's1', {})).rejects.toThrow(/unknown entity type 'spaceship'/);
    expect(await loadEntity(tdb.db, 'task', 'task-z')).toBeNull();
  });

  it('writes one canonical JSONL line per committed transition, after commit', async () => {
    await actors.close();
    const lines = (await readFile(join(dir, 'transitions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const running = lines.find((l) => l.entity_id === 'task-b' && l.to_state === 'running');
    expect(Object.keys(running).sort()).toEqual(
      ['context', 'entity_id', 'entity_type', 'event_id', 'event_type', 'from_state', 'metadata', 'operator', 'severity', 'timestamp', 'to_state', 'trigger'].sort(),
    );
    expect(running).toMatchObject({ event_type: 'task_state_transition', severity: 'info', operator: 'alice', from_state: 'queued', trigger: 'worker_started' });
    expect(running.event_id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(lines.some((l) => l.entity_id === 'run-x' && l.trigger === 'all_workstreams_done')).toBe(false);
    actors = new PersistedActors({ db: tdb.db, clock, transitionLog: join(dir, 'transitions.jsonl') });
  });

  it('hashes each audit row over its previous hash and its canonical fields', async () => {
    const rows = await readHistory(tdb.db, 'task', 'task-b');
    // Each hash covers the previous row's hash and the row's own stored fields.
    rows.forEach((r, k) => {
      expect(r.prevHash).toBe(k === 0 ? null : rows[k - 1]!.hash);
      expect(recomputeHash(r, r.prevHash)).toBe(r.hash);
      expect(recomputeHash({ ...r, reason: 'forged' }, r.prevHash)).not.toBe(r.hash);
    });
  });
});
