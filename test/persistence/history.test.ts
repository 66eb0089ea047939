import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTransitions, insertEntities, readAllChains, readHistory, UnknownEntityTableError, type AuditRecord } from '../../persistence/index.js';
import { newEntity, transition } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

async function collect(gen: AsyncGenerator<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe.each(testDatabases())('readHistory / readAllChains (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
    await insertEntities(h.db, [
      newEntity('task', 'h-b', 'pending'), newEntity('task', 'h-a', 'pending'), newEntity('run', 'h-run', 'pending'),
      newEntity('task', 'h-lone', 'pending'),
    ]);
    // Interleave the entities' transitions so that insertion order differs from chain order.
    await commitTransitions(h.db, [
      transition('task', 'h-b', 1, 'pending', 'queued'),
      transition('task', 'h-a', 1, 'pending', 'blocked', { blocked_by: ['h-b'] }),
      transition('run', 'h-run', 1, 'pending', 'running', { started_at: 1_704_067_202_000 }),
    ]);
    await commitTransitions(h.db, [
      transition('task', 'h-a', 2, 'blocked', 'pending', { blocked_by: [] }),
      transition('task', 'h-b', 2, 'queued', 'running', { worker_id: 'w', started_at: 1_704_067_203_000 }),
    ]);
  });
  afterAll(async () => {
    await h.close();
  });

  it('returns one entity’s trail ordered by seq, linked by prev_hash', async () => {
    const trail = await readHistory(h.db, 'task', 'h-a');
    expect(trail.map((r) => [r.seq, r.fromState, r.toState, r.trigger])).toEqual([
      [1, null, 'pending', 'create'], [2, 'pending', 'blocked', 'to_blocked'], [3, 'blocked', 'pending', 'to_pending'],
    ]);
    for (let i = 1; i < trail.length; i++) expect(trail[i]!.prevHash).toBe(trail[i - 1]!.hash);
    expect(await readHistory(h.db, 'task', 'nobody')).toEqual([]);
    await expect(readHistory(h.db, 'job', 'x')).rejects.toBeInstanceOf(UnknownEntityTableError);
  });

  it('streams every chain contiguous and in seq order, the same for any page size', async () => {
    const expected = [
      ['run', 'h-run', 1], ['run', 'h-run', 2],
      ['task', 'h-a', 1], ['task', 'h-a', 2], ['task', 'h-a', 3],
      ['task', 'h-b', 1], ['task', 'h-b', 2], ['task', 'h-b', 3],
      ['task', 'h-lone', 1],
    ];
    for (const pageSize of [1, 2, 3, 1000]) {
      const rows = await collect(readAllChains(h.db, { pageSize }));
      expect(rows.map((r) => [r.entityType, r.entityId, r.seq]), `pageSize ${pageSize}`).toEqual(expected);
    }
    const tasks = await collect(readAllChains(h.db, { entityType: 'task', pageSize: 2 }));
    expect(tasks.every((r) => r.entityType === 'task')).toBe(true);
    expect(tasks).toHaveLength(7);
  });
});
