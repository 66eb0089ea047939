import { request } from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPES, machineCatalog } from '../../machines/index.js';
import { chartEdges, machineChart } from '../../visualizer/index.js';
import { at, getJson, openInspectFixture, type InspectFixture } from './inspect-fixture.js';
import { testDatabases } from '../support/test-database.js';

describe.each(testDatabases())('inspection API on %s', (kind) => {
  let fx: InspectFixture;
  beforeAll(async () => {
    fx = await openInspectFixture(kind);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('serves the eight machines with every state and edge of their definitions, as SVG marked with data attributes', async () => {
    const { status, body } = await getJson(fx.server, '/api/machines');
    expect(status).toBe(200);
    expect(body.map((m: { entity_type: string }) => m.entity_type)).toEqual([...ENTITY_TYPES]);
    for (const m of body) {
      const entry = machineCatalog[m.entity_type as keyof typeof machineCatalog];
      const edges = chartEdges(machineChart(m.entity_type));
      expect(m.states.map((s: { name: string }) => s.name)).toEqual([...entry.states]);
      expect(m.edges).toHaveLength(edges.length);
      expect(m.svg.match(/<g class="[^"]*\bstate\b[^"]*" data-state="/g)).toHaveLength(entry.states.length);
      expect(m.svg.match(/<g class="edge (ssot|ext)" data-from="/g)).toHaveLength(edges.length);
    }
  });

  it('serves the page and its assets, and refuses anything but GET', async () => {
    const page = await fetch(`${fx.server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/assets/inspect.js">');
    expect((await fetch(`${fx.server.url}/assets/inspect.js`)).status).toBe(200);
    expect((await fetch(`${fx.server.url}/api/status`, { method: 'POST' })).status).toBe(405);
    expect((await getJson(fx.server, '/api/nothing')).status).toBe(404);
    expect((await getJson(fx.server, '/api/changes?after=-1')).status).toBe(400);
  });

  it('answers only requests addressed to 127.0.0.1 or localhost (a DNS-rebound page gets 403)', async () => {
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: fx.server.port, path: '/api/entities', headers: { host: `evil.example:${fx.server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    expect((await getJson(fx.server, '/api/entities')).status).toBe(200);
  });

  it('lists every entity with its current state and parent links, and counts them', async () => {
    const status = await getJson(fx.server, '/api/status');
    expect(status.body).toMatchObject({ ok: true, empty: false, total: 9, verified: true, counts: { task: 2, circuit_breaker: 1 } });
    const { body } = await getJson(fx.server, '/api/entities');
    const byId = new Map(body.entities.map((e: { id: string }) => [e.id, e]));
    expect(byId.size).toBe(9);
    expect(byId.get('run-1')).toMatchObject({ entity_type: 'run', state: 'running', run_id: null });
    expect(byId.get('task-a2')).toMatchObject({ entity_type: 'task', state: 'cancelled', run_id: 'run-1', workstream_id: 'ws-a', version: 2 });
    expect(byId.get('patch-1')).toMatchObject({ state: 'quarantined', task_id: 'task-a1' });
    expect(byId.get('breaker-1')).toMatchObject({ entity_type: 'circuit_breaker', state: 'OPEN' });
  });

  it('shows an entity’s history with from, to, trigger, reason, operator, time and an intact hash chain', async () => {
    const { status, body } = await getJson(fx.server, '/api/entity/task/task-a2/history');
    expect(status).toBe(200);
    expect(body).toMatchObject({ entity_type: 'task', id: 'task-a2', state: 'cancelled', chain: 'intact', next: null });
    expect(body.transitions).toEqual([
      expect.objectContaining({ seq: 1, from: null, to: 'pending', trigger: 'create', chain: 'ok', prev_hash: null }),
      expect.objectContaining({ seq: 2, from: 'pending', to: 'cancelled', trigger: 'user_cancelled', reason: 'not needed', operator: 'bob', time: new Date(at(4)).toISOString(), chain: 'ok' }),
    ]);
    expect((await getJson(fx.server, '/api/entity/task/nope/history')).status).toBe(404);
    expect((await getJson(fx.server, '/api/entity/spaceship/x/history')).status).toBe(404);
  });

  it('pages a history and still checks the link across pages', async () => {
    const first = (await getJson(fx.server, '/api/entity/run/run-1/history?limit=1')).body;
    expect(first.transitions.map((t: { seq: number }) => t.seq)).toEqual([1]);
    expect(first.next).toBe(1);
    const second = (await getJson(fx.server, `/api/entity/run/run-1/history?after=${first.next}&limit=1`)).body;
    expect(second.transitions).toEqual([expect.objectContaining({ seq: 2, to: 'running', operator: 'alice', reason: 'kick-off', chain: 'ok' })]);
    expect(second.next).toBeNull();
  });

  it('pages a run’s transitions in id order and steps through them with state counts', async () => {
    expect((await getJson(fx.server, '/api/runs/run-1')).body).toEqual({ id: 'run-1', transitions: 14 });
    const seen: { entity_id: string; id: number }[] = [];
    let after = 0;
    for (let pages = 0; pages < 10; pages++) {
      const { body } = await getJson(fx.server, `/api/runs/run-1/transitions?after=${after}&limit=5`);
      expect(body.transitions.length).toBeLessThanOrEqual(5);
      seen.push(...body.transitions);
      if (body.next === null) break;
      after = body.next;
    }
    expect(seen).toHaveLength(14);
    expect(seen.map((t) => t.id)).toEqual([...seen.map((t) => t.id)].sort((a, b) => a - b));
    expect(seen.some((t) => t.entity_id === 'breaker-1')).toBe(false);
    const step = (await getJson(fx.server, '/api/runs/run-1/step/6')).body;
    expect(step.transition).toMatchObject({ entity_id: 'task-a2', from: 'pending', to: 'cancelled' });
    expect(step.counts).toEqual(expect.arrayContaining([
      { entity_type: 'run', state: 'running', n: 1 },
      { entity_type: 'task', state: 'pending', n: 1 },
      { entity_type: 'task', state: 'cancelled', n: 1 },
      { entity_type: 'workstream', state: 'planned', n: 1 },
    ]));
    expect(step.counts).toHaveLength(4);
    expect((await getJson(fx.server, '/api/runs/run-1/step/15')).status).toBe(404);
  });

  it('feeds new audit rows after a given id (the live feed)', async () => {
    const { body: start } = await getJson(fx.server, '/api/changes');
    expect(start.transitions).toEqual([]);
    await fx.actors.send('test_gate', 'gate-1', { type: 'command_succeeded', exit_code: 0, now: at(20) });
    const { body } = await getJson(fx.server, `/api/changes?after=${start.last}`);
    expect(body.transitions).toEqual([expect.objectContaining({ entity_type: 'test_gate', entity_id: 'gate-1', from: 'RUNNING', to: 'PASSED' })]);
    expect(body.last).toBe(body.transitions[0].id);
    expect((await getJson(fx.server, `/api/changes?after=${body.last}`)).body).toEqual({ transitions: [], last: body.last });
  });

  it('marks a tampered row broken and says why', async () => {
    await sql`SET session_replication_role = replica`.execute(fx.tdb.db);
    try {
      await sql`UPDATE state_transitions SET reason = 'forged' WHERE entity_id = 'breaker-1' AND seq = 2`.execute(fx.tdb.db);
    } finally {
      await sql`SET session_replication_role = DEFAULT`.execute(fx.tdb.db);
    }
    const { body } = await getJson(fx.server, '/api/entity/circuit_breaker/breaker-1/history');
    expect(body.chain).toBe('broken');
    expect(body.transitions[0]).toMatchObject({ seq: 1, chain: 'ok' });
    expect(body.transitions[1]).toMatchObject({ seq: 2, chain: 'broken', problem: expect.stringMatching(/hash does not match/) });
  });
});

describe.each(testDatabases())('inspection API on an empty or unmigrated %s database', (kind) => {
  it('says the database is empty', async () => {
    const fx = await openInspectFixture(kind, { empty: true });
    try {
      expect((await getJson(fx.server, '/api/status')).body).toMatchObject({ ok: true, empty: true, total: 0, last_id: 0 });
      expect((await getJson(fx.server, '/api/entities')).body.entities).toEqual([]);
    } finally {
      await fx.close();
    }
  });

  it('answers 503 with a hint when the database has no Gantry tables', async () => {
    const fx = await openInspectFixture(kind, { empty: true, migrate: false });
    try {
      const { status, body } = await getJson(fx.server, '/api/status');
      expect(status).toBe(503);
      expect(body).toMatchObject({ ok: false, error: expect.stringMatching(/no Gantry tables/), hint: expect.stringMatching(/gantry db migrate/) });
      expect((await getJson(fx.server, '/api/machines')).body).toHaveLength(8);
    } finally {
      await fx.close();
    }
  });
});
