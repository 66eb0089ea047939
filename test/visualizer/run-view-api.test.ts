import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryOf, isEventTypeOf } from '../../machines/index.js';
import { ATTEMPT_EVENT, attemptStates } from '../../visualizer/index.js';
import { testDatabases } from '../support/test-database.js';
import { getJson } from './inspect-fixture.js';
import { FAILED, openFailedRunFixture, type FailedRunFixture } from './run-fixture.js';

describe('attempts are read from the task machine', () => {
  it('the attempt event is a task event and its targets are task states', () => {
    expect(isEventTypeOf('task', ATTEMPT_EVENT)).toBe(true);
    expect([...attemptStates()].length).toBeGreaterThan(0);
    for (const s of attemptStates()) expect(entryOf('task').states).toContain(s);
  });
});

describe.each(testDatabases())('run view API on %s', (kind) => {
  let fx: FailedRunFixture;
  beforeAll(async () => {
    fx = await openFailedRunFixture(kind);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('lists runs with their task counts', async () => {
    const { body } = await getJson(fx.server, '/api/runs');
    expect(body.runs).toEqual([expect.objectContaining({ id: FAILED.run, state: 'failed', tasks: { completed: 1, failed: 1, cancelled: 1 } })]);
  });

  it('gives a run its entities with reasons, dependencies, attempts and retries, and its counts', async () => {
    const { status, body } = await getJson(fx.server, `/api/runs/${FAILED.run}/view`);
    expect(status).toBe(200);
    expect(body.run).toMatchObject({ id: FAILED.run, state: 'failed', reason: expect.stringContaining('ok failed') });
    const byId = new Map(body.entities.map((e: { id: string }) => [e.id, e]));
    expect(byId.get(FAILED.boom)).toMatchObject({ state: 'failed', retries: 1, reason: expect.stringContaining('the real cause') });
    expect((byId.get(FAILED.boom) as { attempts: { to: string }[] }).attempts.map((a) => a.to)).toEqual(['retrying', 'failed']);
    expect(byId.get(FAILED.after)).toMatchObject({ state: 'cancelled', depends_on: [FAILED.boom], reason: expect.stringContaining('boom failed') });
    expect(byId.get(FAILED.done)).toMatchObject({ state: 'completed', reason: null, workstream_id: FAILED.ws });
    expect(body.counts).toEqual(expect.arrayContaining([{ entity_type: 'task', state: 'failed', n: 1 }, { entity_type: 'workstream', state: 'failed', n: 1 }]));
    expect(body.transitions).toBeGreaterThan(10);
    expect((await getJson(fx.server, '/api/runs/nope/view')).status).toBe(404);
  });

  it('gives an entity its state and reason, and a task attempt’s output', async () => {
    const e = (await getJson(fx.server, `/api/entity/task/${FAILED.boom}`)).body;
    expect(e).toMatchObject({ state: 'failed', run_id: FAILED.run, reason: expect.stringMatching(/exit code 3: .*the real cause/) });
    const out = (await getJson(fx.server, `/api/entity/task/${FAILED.boom}/output`)).body.output;
    expect(out).toMatchObject({ attempt: 2, attempts: [1, 2], exitCode: 3, stdout: 'to-stdout on the second attempt\n' });
    const first = (await getJson(fx.server, `/api/entity/task/${FAILED.boom}/output?attempt=1`)).body.output;
    expect(first).toMatchObject({ attempt: 1, stderr: 'first try broke\n' });
    expect((await getJson(fx.server, '/api/entity/task/nope')).status).toBe(404);
  });

  it('steps give each entity’s state at that point', async () => {
    const s = (await getJson(fx.server, `/api/runs/${FAILED.run}/step/3`)).body;
    expect(s.states).toHaveLength(2); // run created, started; first workstream created
    expect(s.states).toEqual(expect.arrayContaining([{ entity_type: 'run', id: FAILED.run, state: 'running' }]));
  });
});
