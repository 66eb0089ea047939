import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, PersistedActors } from '../../actors/index.js';
import { addOperator, applyOverride, GantryMetrics } from '../../ops/index.js';
import { createDatabase, ENTITY_TABLES, migrateToLatest, resolveDatabaseOptions, type Database, type DatabaseHandle } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { overrideFixtures } from './ops-fixtures.js';
import { parsePrometheusText, sampleValue, type Sample } from './prometheus-text.js';

/** Checks the counters, gauges and durations in `samples` against what the database holds. */
async function expectMatchesDatabase(db: Kysely<Database>, samples: readonly Sample[]): Promise<number> {
  const { rows: counts } = await sql<{ entity_type: string; from_state: string; to_state: string; n: number }>`
    SELECT entity_type, from_state, to_state, count(*)::int AS n FROM state_transitions WHERE from_state IS NOT NULL AND from_state <> to_state
    GROUP BY 1, 2, 3`.execute(db);
  expect(counts.length).toBeGreaterThan(5);
  for (const c of counts) expect(sampleValue(samples, 'state_transitions_total', { entity_type: c.entity_type, from_state: c.from_state, to_state: c.to_state })).toBe(c.n);
  expect(samples.filter((s) => s.name === 'state_transitions_total').reduce((a, s) => a + s.value, 0)).toBe(counts.reduce((a, c) => a + c.n, 0));
  for (const info of Object.values(ENTITY_TABLES)) {
    const { rows } = await sql<{ state: string; n: number }>`SELECT state, count(*)::int AS n FROM ${sql.table(info.table)} GROUP BY state`.execute(db);
    for (const r of rows) expect(sampleValue(samples, 'entity_state', { entity_type: info.entityType, state: r.state })).toBe(r.n);
  }
  const { rows: durations } = await sql<{ entity_type: string; state: string; n: number; total: number }>`
    SELECT t.entity_type, t.from_state AS state, count(*)::int AS n, sum(extract(epoch FROM t.transitioned_at - p.transitioned_at))::float8 AS total
    FROM state_transitions t JOIN state_transitions p ON p.entity_type = t.entity_type AND p.entity_id = t.entity_id AND p.seq = t.seq - 1
    GROUP BY 1, 2`.execute(db);
  for (const d of durations) {
    expect(sampleValue(samples, 'state_transition_duration_seconds_count', { entity_type: d.entity_type, state: d.state })).toBe(d.n);
    expect(sampleValue(samples, 'state_transition_duration_seconds_sum', { entity_type: d.entity_type, state: d.state })).toBeCloseTo(d.total, 3);
  }
  return counts.length;
}

describe.each(testDatabases())('metrics read from the database (%s)', (kind) => {
  let stateDir: string;
  let schema: string | null = null;
  let h: DatabaseHandle;
  const open = () => (schema ? createDatabase({ url: process.env['DATABASE_URL']!, schema }) : createDatabase(resolveDatabaseOptions({ stateDir }, {})));
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gantry-metrics-'));
    if (kind === 'postgres') schema = uniqueSchemaName();
    h = await open();
    await migrateToLatest(h.db);
    const actors = new PersistedActors({ db: h.db });
    await overrideFixtures(actors);
    await actors.close();
  });
  afterAll(async () => {
    await h.close();
    if (schema) {
      const admin = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('exposes every machine edge at 0 before it is taken, so increase() sees its first occurrence (alerts)', async () => {
    const samples = parsePrometheusText(await new GantryMetrics(h.db).text());
    expect(sampleValue(samples, 'state_transitions_total', { entity_type: 'patch_ledger', from_state: 'committed', to_state: 'rolled_back' })).toBe(0);
    expect(sampleValue(samples, 'state_transitions_total', { entity_type: 'patch_ledger', from_state: 'applied', to_state: 'quarantined' })).toBe(0);
    expect(sampleValue(samples, 'state_transitions_total', { entity_type: 'task', from_state: 'running', to_state: 'completed' })).toBeDefined();
    await addOperator(h.db, 'zero-op');
    const later = parsePrometheusText(await new GantryMetrics(h.db).text());
    for (const entity_type of ['task', 'workstream', 'circuit_breaker', 'patch_ledger']) expect(sampleValue(later, 'manual_state_overrides_total', { entity_type, operator: 'zero-op' })).toBe(0);
  });

  it('counters, state counts and durations equal the database, and follow transitions committed elsewhere', async () => {
    const metrics = new GantryMetrics(h.db);
    await expectMatchesDatabase(h.db, parsePrometheusText(await metrics.text()));
    const before = parsePrometheusText(await metrics.text());
    expect(sampleValue(before, 'circuit_breaker_state', { tool_id: 'codemod', state: 'OPEN' })).toBe(1);
    expect(sampleValue(before, 'entity_state', { entity_type: 'task', state: 'blocked' })).toBe(1);
    // Another actor system (as another process would) commits more; the metrics poll its audit rows.
    const other = new PersistedActors({ db: h.db });
    await other.create('task', 'later', {});
    await other.send('task', 'later', { type: 'scheduler_assigned' });
    await other.close();
    await addOperator(h.db, 'alice');
    await applyOverride(h.db, { action: 'reset-breaker', id: 'codemod', operator: 'alice', reason: 'tool is back', transitionLog: null });
    const after = parsePrometheusText(await metrics.text());
    await expectMatchesDatabase(h.db, after);
    const queued = { entity_type: 'task', from_state: 'pending', to_state: 'queued' };
    expect(sampleValue(after, 'state_transitions_total', queued)).toBe(sampleValue(before, 'state_transitions_total', queued)! + 1);
    expect(sampleValue(after, 'manual_state_overrides_total', { entity_type: 'circuit_breaker', operator: 'alice' })).toBe(1);
    expect(sampleValue(after, 'circuit_breaker_state', { tool_id: 'codemod', state: 'CLOSED' })).toBe(1);
    expect(sampleValue(after, 'stuck_entities', { entity_type: 'task' })).toBe(0);
  });

  it('counts in-state updates (heartbeats, breaker counters) apart: the failure-rate denominator holds only state changes', async () => {
    const actors = new PersistedActors({ db: h.db });
    await actors.create('worker', 'beating', {});
    await actors.send('worker', 'beating', { type: 'registration_complete', capabilities: [] });
    for (let i = 0; i < 30; i++) await actors.send('worker', 'beating', { type: 'heartbeat' });
    await actors.create('circuit_breaker', 'counting', { failure_threshold: 50 });
    for (let i = 0; i < 10; i++) await actors.send('circuit_breaker', 'counting', { type: 'call_failed', error: 'down' });
    await actors.close();
    const samples = parsePrometheusText(await new GantryMetrics(h.db).text());
    const changes = samples.filter((x) => x.name === 'state_transitions_total');
    expect(changes.filter((x) => x.labels['from_state'] === x.labels['to_state'])).toEqual([]);
    expect(sampleValue(samples, 'state_updates_total', { entity_type: 'worker', state: 'idle', trigger: 'heartbeat' })).toBeGreaterThanOrEqual(30);
    expect(sampleValue(samples, 'state_updates_total', { entity_type: 'circuit_breaker', state: 'CLOSED', trigger: 'call_failed' })).toBeGreaterThanOrEqual(10);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions WHERE from_state IS NOT NULL AND from_state <> to_state`.execute(h.db);
    expect(changes.reduce((a, x) => a + x.value, 0)).toBe(rows[0]!.n);
  });

  // Only PostgreSQL has concurrent writers: a bigserial id taken by a transaction that commits after a higher one.
  if (kind === 'postgres') {
    it('a row committed late with a lower id than one already polled is still counted, once', async () => {
      const metrics = new GantryMetrics(h.db);
      await metrics.poll();
      const row = (id: string) => sql`INSERT INTO state_transitions (event_id, entity_type, entity_id, seq, to_state, trigger, metadata, operator, severity, transitioned_at, hash)
        VALUES (${newEventId(Date.now())}, 'task', ${id}, 1, 'pending', 'create', ${JSON.stringify({ override: true })}::jsonb, 'late', 'warning', now(), ${randomBytes(32).toString('hex')})`;
      await h.db.connection().execute(async (slow) => {
        await sql`BEGIN`.execute(slow);
        await row('late-a').execute(slow);
        await row('late-b').execute(h.db);
        await metrics.poll();
        await sql`COMMIT`.execute(slow);
      });
      const samples = parsePrometheusText(await metrics.text());
      expect(sampleValue(samples, 'manual_state_overrides_total', { entity_type: 'task', operator: 'late' })).toBe(2);
      expect(sampleValue(parsePrometheusText(await metrics.text()), 'manual_state_overrides_total', { entity_type: 'task', operator: 'late' })).toBe(2);
    });
  }

  it('after a restart, a new `gantry metrics` process over the same database serves the same values', async () => {
    await h.close();
    const { DATABASE_URL, ...rest } = process.env;
    const args = schema ? ['--db', DATABASE_URL!, '--state-dir', stateDir] : ['--state-dir', stateDir];
    const child: ChildProcess = spawn(process.execPath, [GANTRY_BIN, 'metrics', '--port', '0', ...args], { cwd: ROOT, env: schema ? { ...rest, GANTRY_DB_SCHEMA: schema } : rest });
    let text: string;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /metrics on (http:\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`gantry metrics exited with ${code} before serving`)));
      });
      text = await (await fetch(url)).text();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    h = await open();
    const samples = parsePrometheusText(text);
    expect(await expectMatchesDatabase(h.db, samples)).toBeGreaterThan(5);
    expect(sampleValue(samples, 'manual_state_overrides_total', { entity_type: 'circuit_breaker', operator: 'alice' })).toBe(1);
    if (kind === 'postgres') expect(sampleValue(samples, 'manual_state_overrides_total', { entity_type: 'task', operator: 'late' })).toBe(2);
  });
});
