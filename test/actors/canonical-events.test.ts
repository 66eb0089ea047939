import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, type CanonicalEvent } from '../../actors/index.js';
import type { SendEventOf } from '../../machines/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

const T = 1_800_000_000_000;

describe.each(testDatabases())('canonical JSONL events: severity, event type, required metadata (SSOT §7.1–7.2) on %s', (kind) => {
  let tdb: TestDatabase;
  let dir: string;
  let lines: CanonicalEvent[];
  const find = (id: string, to: string) => lines.find((l) => l.entity_id === id && l.to_state === to)!;

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'gantry-jsonl-'));
    const a = new PersistedActors({ db: tdb.db, transitionLog: join(dir, 't.jsonl') });
    // A task that retries once, then fails.
    await a.create('task', 'tk', { now: T, max_retries: 1 }, { links: {} });
    await a.send('task', 'tk', { type: 'scheduler_assigned', now: T + 1 });
    await a.send('task', 'tk', { type: 'worker_started', now: T + 2, worker_id: 'w1', worker_capabilities: [] });
    await a.send('task', 'tk', { type: 'execution_failed', now: T + 5, exit_code: 3, jitter: 0 });
    await a.send('task', 'tk', { type: 'retry_delay_elapsed', now: T + 10_000 });
    await a.send('task', 'tk', { type: 'worker_started', now: T + 10_001, worker_id: 'w2', worker_capabilities: [] });
    await a.send('task', 'tk', { type: 'timeout_exceeded', now: T + 20_000 });
    // A patch committed, then rolled back.
    await a.create('patch_ledger', 'pl', { now: T, patch_id: 'p1' });
    for (const e of [
      { type: 'validation_passed', format: true, scope: true, constraints: true },
      { type: 'accepted', policy_allowed: true },
      { type: 'apply_succeeded' },
      { type: 'tests_passed', gates: {} },
      { type: 'commit_succeeded', commit_sha: 'abcdef1' },
      { type: 'rollback', reason: 'regression in main', compensation_succeeded: true },
    ] satisfies SendEventOf<'patch_ledger'>[]) await a.send('patch_ledger', 'pl', { ...e, now: T + 100 });
    // A breaker that opens; a critical workstream failed by a quarantined patch.
    await a.create('circuit_breaker', 'cb', { now: T, failure_threshold: 1 });
    await a.send('circuit_breaker', 'cb', { type: 'call_failed', now: T + 1, error: 'tool crashed' });
    await a.create('workstream', 'ws', { now: T, planned_task_count: 1, critical: true });
    await a.send('workstream', 'ws', { type: 'tasks_created', now: T + 1, task_count: 1, dependencies: {} });
    await a.send('workstream', 'ws', { type: 'task_started', now: T + 2, tasks: [{ id: 'tk', state: 'running', critical: false }] });
    await a.send('workstream', 'ws', { type: 'patch_quarantined', now: T + 3, ledger: [{ id: 'pl', state: 'quarantined' }] });
    // A worker that goes unresponsive.
    await a.create('worker', 'wk', { now: T });
    await a.send('worker', 'wk', { type: 'registration_complete', now: T, capabilities: [] });
    await a.send('worker', 'wk', { type: 'task_assigned', now: T + 1, task_id: 'tk', workstream_id: 'ws' });
    await a.send('worker', 'wk', { type: 'heartbeat_timeout', now: T + 130_000 });
    await a.close();
    lines = (await readFile(join(dir, 't.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as CanonicalEvent);
  });
  afterAll(async () => {
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes normal progress at info, retries at warning and failures at error', () => {
    expect(find('tk', 'queued').severity).toBe('info');
    expect(find('tk', 'retrying').severity).toBe('warning');
    expect(find('tk', 'failed').severity).toBe('error');
    expect(find('wk', 'unresponsive').severity).toBe('error');
  });

  it('writes a rollback of a committed patch and a critical workstream failure at critical', () => {
    expect(find('pl', 'rolled_back')).toMatchObject({ severity: 'critical', trigger: 'rollback' });
    expect(find('ws', 'failed')).toMatchObject({ severity: 'critical', event_type: 'workstream_failed_quarantine' });
    expect(find('ws', 'failed').metadata.event).toMatchObject({ ledger: [{ id: 'pl', state: 'quarantined' }] });
  });

  it('names the special events of the SSOT', () => {
    expect(find('cb', 'OPEN')).toMatchObject({ event_type: 'circuit_breaker_opened', severity: 'error' });
    expect(find('tk', 'queued').event_type).toBe('task_state_transition');
    expect(find('tk', 'pending').event_type).toBe('task_created');
  });

  it('carries the required metadata of each entity type', () => {
    expect(find('tk', 'retrying').metadata).toMatchObject({ worker_id: 'w1', duration_ms: 3, retry_count: 1, exit_code: 3, timeout_occurred: false });
    expect(find('tk', 'failed').metadata).toMatchObject({ worker_id: 'w2', retry_count: 1, timeout_occurred: true });
    expect(find('pl', 'committed').metadata).toMatchObject({ patch_id: 'p1', commit_sha: 'abcdef1', validation: { format: true, scope: true, constraints: true, tests: true } });
    expect(find('ws', 'failed').metadata).toMatchObject({ total_tasks: 1, critical_failure: true });
    expect(find('wk', 'unresponsive').metadata).toMatchObject({ heartbeat_status: 'missed', heartbeat_age_ms: 130_000, crashed: true });
  });

  it('has exactly the canonical fields, ISO-8601 UTC timestamps and the context block', () => {
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(
        ['context', 'entity_id', 'entity_type', 'event_id', 'event_type', 'from_state', 'metadata', 'operator', 'severity', 'timestamp', 'to_state', 'trigger'].sort(),
      );
      expect(l.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Object.keys(l.context).sort()).toEqual(['phase_id', 'run_id', 'workstream_id']);
    }
  });
});
