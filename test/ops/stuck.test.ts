import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { DEFAULT_STUCK_THRESHOLDS, findStuck, GantryMetrics } from '../../ops/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const MIN = 60_000;

describe.each(testDatabases())('stuck detection, SSOT §5.1 (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
    let clock = NOW - 200 * MIN;
    const actors = new PersistedActors({ db: h.db, clock: () => clock });
    const at = (minutesAgo: number) => (clock = NOW - minutesAgo * MIN);
    const executing = async (id: string, minutesAgo: number) => {
      at(minutesAgo + 1);
      await actors.create('workstream', id, { planned_task_count: 1 });
      await actors.send('workstream', id, { type: 'tasks_created', task_count: 1, dependencies: {} });
      at(minutesAgo);
      await actors.send('workstream', id, { type: 'task_started', tasks: [{ id: 'x', state: 'running' }] });
    };
    const running = async (id: string, minutesAgo: number, timeout_sec = 1800) => {
      at(minutesAgo + 1);
      await actors.create('task', id, { timeout_sec });
      await actors.send('task', id, { type: 'scheduler_assigned' });
      at(minutesAgo);
      await actors.send('task', id, { type: 'worker_started', worker_id: 'agent-1', worker_capabilities: [] });
    };
    const idle = async (id: string, minutesAgo: number) => {
      at(minutesAgo);
      await actors.create('worker', id, {});
      await actors.send('worker', id, { type: 'registration_complete', capabilities: ['node'] });
    };
    await executing('ws-old', 90);
    await executing('ws-new', 20);
    await running('t-old', 45, 7200);
    await running('t-short-timeout', 5, 120);
    await running('t-new', 5);
    await idle('w-silent', 5);
    await idle('w-fresh', 1);
    await actors.close();
  });
  afterAll(async () => h.close());

  it('with the defaults finds the workstream over 1 h, the tasks over 30 min or their own timeout, the silent worker', async () => {
    const stuck = await findStuck(h.db, DEFAULT_STUCK_THRESHOLDS, NOW);
    expect(stuck.map((s) => `${s.entityType}:${s.id}`).sort()).toEqual(['task:t-old', 'task:t-short-timeout', 'worker:w-silent', 'workstream:ws-old']);
    const old = stuck.find((s) => s.id === 't-old')!;
    expect(old).toMatchObject({ state: 'running', ageMs: 45 * MIN, expectedMs: 30 * MIN });
    expect(stuck.find((s) => s.id === 't-short-timeout')!.expectedMs).toBe(120_000);
  });

  it('thresholds are configurable', async () => {
    const loose = await findStuck(h.db, { workstreamMs: 100 * MIN, taskMs: 60 * MIN, heartbeatMs: 10 * MIN }, NOW);
    expect(loose.map((s) => s.id)).toEqual(['t-short-timeout']);
    const strict = await findStuck(h.db, { workstreamMs: 10 * MIN, taskMs: 2 * MIN, heartbeatMs: 30_000 }, NOW);
    expect(strict.map((s) => s.id).sort()).toEqual(['t-new', 't-old', 't-short-timeout', 'w-fresh', 'w-silent', 'ws-new', 'ws-old']);
    expect(await findStuck(h.db, DEFAULT_STUCK_THRESHOLDS, NOW - 60 * MIN)).toEqual([]);
  });

  it('the metrics count the stuck entities per type and expose the largest age ratio', async () => {
    const samples = parsePrometheusText(await new GantryMetrics(h.db).text());
    expect(sampleValue(samples, 'stuck_entities', { entity_type: 'workstream' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, 'stuck_entities', { entity_type: 'task' })).toBe(3);
    expect(sampleValue(samples, 'stuck_entity_max_age_ratio', { entity_type: 'task' })).toBeGreaterThan(2);
  });
});
