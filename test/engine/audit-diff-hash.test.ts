import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffSha256, verifyAudit } from '../../actors/index.js';
import { tamper } from '../support/audit-tamper.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// Issue 11: the audit covers `patches.diff` by hash: the ledger entry's creation audit row records the diff's
// SHA-256 and `audit verify` recomputes it, naming a patch whose diff was changed afterwards.
describe.each(testDatabases())('patch diffs are covered by the audit (%s)', (kind) => {
  const suite = engineSuite(kind);
  let patchIds: string[];
  beforeAll(async () => {
    const box = await suite.sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'diffs' },
      workers: { orchestration: [{ id: 'agent', count: 1, capabilities: [] }] },
      workstreams: [{ id: 'ws', tasks: [
        { id: 'one', command: writeCmd('src/one.js', 'export const one = 1;\n') },
        { id: 'two', command: writeCmd('src/two.js', 'export const two = 2;\n'), depends_on: ['one'] },
      ] }],
    });
    expect(status.state).toBe('succeeded');
    patchIds = (await suite.db.db.selectFrom('patches').select('id').orderBy('id').execute()).map((r) => r.id);
  }, 300_000);

  it('records each diff\'s sha256 in its ledger entry\'s creation audit row, and verify checks them', async () => {
    expect(patchIds).toHaveLength(2);
    for (const id of patchIds) {
      const { diff } = await suite.db.db.selectFrom('patches').select('diff').where('id', '=', id).executeTakeFirstOrThrow();
      const row = await suite.db.db.selectFrom('state_transitions').select('metadata').where('entity_type', '=', 'patch_ledger').where('entity_id', '=', id).where('seq', '=', 1).executeTakeFirstOrThrow();
      expect(row.metadata).toMatchObject({ diff_sha256: diffSha256(diff) });
    }
    expect(await verifyAudit(suite.db.db)).toMatchObject({ ok: true, content: { patchesChecked: 2, patchesUnrecorded: [], mismatches: [] } });
  });

  it('a changed diff fails verify, naming the patch', async () => {
    const target = patchIds[1]!;
    await tamper(suite.db, sql`UPDATE patches SET diff = replace(diff, 'two = 2', 'two = 3') WHERE id = ${target}`);
    const v = await verifyAudit(suite.db.db);
    expect(v).toMatchObject({ ok: false, firstBroken: null });
    expect(v.content.mismatches).toEqual([expect.objectContaining({ table: 'patches', id: target })]);
  });
});
