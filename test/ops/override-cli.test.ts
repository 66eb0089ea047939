import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { OVERRIDE_ACTIONS } from '../../ops/index.js';
import { loadEntity } from '../../persistence/index.js';
import { testDatabases } from '../support/test-database.js';
import { OVERRIDE_TARGETS, overrideFixtures } from './ops-fixtures.js';
import { auditCount, cliDatabase, type CliDatabase } from './recovery-fixtures.js';

describe.each(testDatabases())('gantry override and operator add (%s)', (kind) => {
  let cli: CliDatabase;
  let ids: Record<string, string>;
  let token: string;
  const gantry = (...a: string[]) => cli.gantry(...a);
  const states = () =>
    cli.use(async (h) => {
      const out: Record<string, string | undefined> = {};
      for (const a of OVERRIDE_ACTIONS) out[a] = (await loadEntity(h.db, OVERRIDE_TARGETS[a]![0], ids[a]!))?.state;
      return { out, rows: await auditCount(h) };
    });
  beforeAll(async () => {
    cli = await cliDatabase(kind);
    await cli.use(async (h) => {
      const actors = new PersistedActors({ db: h.db });
      ids = await overrideFixtures(actors);
      await actors.close();
    });
    const added = await gantry('operator', 'add', 'ops-1', '--json');
    expect(added.code, added.stderr).toBe(0);
    token = JSON.parse(added.stdout).token;
    expect((await gantry('operator', 'add', 'ops-1')).code).toBe(1);
  });
  afterAll(async () => {
    await cli?.cleanup();
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
      const extra = i % 2 === 0 ? {} : { GANTRY_OPERATOR: 'ops-1', GANTRY_OPERATOR_TOKEN: token };
      const r = await cli.gantryEnv(extra, 'override', action, ids[action]!, '--reason', `cli ${action}`, '--json', ...auth);
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
