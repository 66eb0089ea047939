import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { OVERRIDE_ACTIONS } from '../../ops/index.js';
import { createDatabase, loadEntity, migrateToLatest, resolveDatabaseOptions, type DatabaseHandle } from '../../persistence/index.js';
import { runGantry } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { OVERRIDE_TARGETS, overrideFixtures } from './ops-fixtures.js';

describe.each(testDatabases())('gantry override and operator add (%s)', (kind) => {
  let stateDir: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  let ids: Record<string, string>;
  let token: string;
  const gantry = (...a: string[]) => runGantry([...a, ...args], env);
  /** The CLI's database opened in this process (closed again before the next CLI call: PGlite takes one process). */
  const open = async (): Promise<DatabaseHandle> =>
    schema ? createDatabase({ url: process.env['DATABASE_URL']!, schema }) : createDatabase(resolveDatabaseOptions({ stateDir }, {}));
  const states = async () => {
    const h = await open();
    try {
      const out: Record<string, string | undefined> = {};
      for (const a of OVERRIDE_ACTIONS) out[a] = (await loadEntity(h.db, OVERRIDE_TARGETS[a]![0], ids[a]!))?.state;
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions`.execute(h.db);
      return { out, rows: rows[0]!.n };
    } finally {
      await h.close();
    }
  };
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gantry-override-'));
    const { DATABASE_URL, GANTRY_OPERATOR: _o, GANTRY_OPERATOR_TOKEN: _t, ...rest } = process.env;
    if (kind === 'postgres') schema = uniqueSchemaName();
    args = schema ? ['--db', DATABASE_URL!, '--state-dir', stateDir] : ['--state-dir', stateDir];
    env = schema ? { ...rest, GANTRY_DB_SCHEMA: schema } : rest;
    const h = await open();
    await migrateToLatest(h.db);
    const actors = new PersistedActors({ db: h.db });
    ids = await overrideFixtures(actors);
    await actors.close();
    await h.close();
    const added = await gantry('operator', 'add', 'ops-1', '--json');
    expect(added.code, added.stderr).toBe(0);
    token = JSON.parse(added.stdout).token;
    expect((await gantry('operator', 'add', 'ops-1')).code).toBe(1);
  });
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('gantry stuck: exit 0 when nothing is stuck; exit 1 and the list (--json) under tighter thresholds; exit 2 for a bad flag', async () => {
    const none = await gantry('stuck');
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/nothing stuck/);
    const tight = await gantry('stuck', '--task-sec', '0.001', '--workstream-sec', '0.001', '--json');
    expect(tight.code, tight.stderr).toBe(1);
    const out = JSON.parse(tight.stdout);
    expect(out.thresholds_sec).toMatchObject({ task: 0.001, workstream: 0.001, heartbeat: 120 });
    expect(out.stuck.map((s: { entity_type: string; id: string }) => `${s.entity_type}:${s.id}`).sort()).toEqual([`task:${ids['complete-task']}`, `workstream:${ids['validate-workstream']}`]);
    expect((await gantry('stuck', '--task-sec', 'soon')).code).toBe(2);
  }, 120_000);

  it('refuses every override without valid authority (exit 1, clear error) and writes nothing', async () => {
    const before = await states();
    const refusals = [[], ['--operator', 'ops-1'], ['--operator', 'ops-1', '--token', `${token}x`], ['--operator', 'nobody', '--token', token]];
    for (const [i, action] of OVERRIDE_ACTIONS.entries()) {
      const r = await gantry('override', action, ids[action]!, '--reason', 'no authority', ...refusals[i % refusals.length]!);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/manual override refused: (no operator identity|no token|wrong token|unknown operator)/);
    }
    const noReason = await gantry('override', 'fail-task', ids['fail-task']!, '--operator', 'ops-1', '--token', token);
    expect(noReason.stderr).toMatch(/--reason TEXT is required/);
    expect(noReason.code).toBe(1);
    expect(await states()).toEqual(before);
  }, 240_000);

  it('accepts every override with authority from flags or the environment', async () => {
    for (const [i, action] of OVERRIDE_ACTIONS.entries()) {
      const auth = i % 2 === 0 ? ['--operator', 'ops-1', '--token', token] : [];
      const e = i % 2 === 0 ? env : { ...env, GANTRY_OPERATOR: 'ops-1', GANTRY_OPERATOR_TOKEN: token };
      const r = await runGantry(['override', action, ids[action]!, '--reason', `cli ${action}`, '--json', ...auth, ...args], e);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ action, id: ids[action], to_state: OVERRIDE_TARGETS[action]![1], operator: 'ops-1' });
    }
    const { out } = await states();
    for (const a of OVERRIDE_ACTIONS) expect(out[a]).toBe(OVERRIDE_TARGETS[a]![1]);
    expect((await gantry('audit', 'verify')).code).toBe(0);
    const replay = await gantry('audit', 'replay');
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    const report = JSON.parse((await gantry('report', 'overrides', '--json')).stdout);
    expect(report.overrides).toHaveLength(OVERRIDE_ACTIONS.length);
    const failures = await gantry('report', 'failures', '--json');
    expect(failures.code, failures.stderr).toBe(0);
    expect(JSON.parse(failures.stdout).failures).toContainEqual(expect.objectContaining({ entity_type: 'circuit_breaker', to_state: 'OPEN', trigger: 'call_failed', count: 1 }));
    expect((await gantry('report', 'overrides')).stdout).toMatch(/manual overrides since .*: 7\n[\s\S]*by ops-1/);
  }, 240_000);
});
