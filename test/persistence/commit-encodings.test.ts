import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTransitions, insertEntities, loadEntity, readHistory, type TransitionItem } from '../../persistence/index.js';
import { at, newEntity, transition } from '../support/audit-fixtures.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** Text that needs escaping in every encoding: quotes, backslashes, newlines, non-ASCII, JSON look-alikes. */
const AWKWARD = `it's "quoted" \\ back\\slash\nnew line — ünïcödé 😀 {"not": "json"} [1,2]`;

/** A task moving to `retrying` with every column type set, some of them to null. */
function retrying(id: string): TransitionItem {
  return transition('task', id, 1, 'running', 'retrying', {
    started_at: at(1), retry_count: 1, max_retries: 3, retry_at: new Date(at(5)), deadline_at: null, last_error: AWKWARD,
    is_critical: true, blocked_by: [], depends_on: ['a', AWKWARD], required_capabilities: ['node', 'gpu'],
    gate_dependencies: [], expected_exit: [0, 2], timeout_occurred: false, worker_id: null, completed_at: undefined,
  }, {
    reason: AWKWARD, operator: 'ops', runId: null, metadata: { nested: { list: [1, 'two', null, { three: AWKWARD }] }, empty: {} },
  });
}

/** A circuit breaker opening, with a fractional double precision column. */
function opening(id: string): TransitionItem {
  return transition('circuit_breaker', id, 1, 'CLOSED', 'OPEN', { failure_count: 5, opened_at: at(1), cooldown_seconds: 0.25, last_error: AWKWARD });
}

async function stored(h: TestDatabase, type: string, id: string): Promise<unknown> {
  const rec = (await loadEntity(h.db, type, id))!;
  const history = await readHistory(h.db, type, id);
  const last = history.at(-1)!;
  return {
    state: rec.state, version: rec.version, snapshot: rec.snapshot, columns: rec.columns, updatedAt: rec.updatedAt,
    audit: { ...last, id: null, eventId: null, entityId: null, hash: null, prevHash: null },
  };
}

describe.each(testDatabases())('commitTransitions encodings (%s)', (kind) => {
  let h: TestDatabase;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  it('a one-item batch (scalar parameters) and a many-item batch (one JSON parameter) store the same values', async () => {
    const tasks = ['enc-t1', 'enc-t2', 'enc-t3'];
    const breakers = ['enc-b1', 'enc-b2', 'enc-b3'];
    await insertEntities(h.db, [
      // Created critical: is_critical is fixed at creation (SSOT §1.4.5 inv. 8), the transition writes it again unchanged.
      ...tasks.map((id) => newEntity('task', id, 'running', { worker_id: 'w1', started_at: at(1), deadline_at: at(2), is_critical: true })),
      ...breakers.map((id) => newEntity('circuit_breaker', id, 'CLOSED')),
    ]);
    expect(await commitTransitions(h.db, [retrying('enc-t1')])).toEqual([{ ok: true, version: 2 }]);
    expect(await commitTransitions(h.db, [opening('enc-b1')])).toEqual([{ ok: true, version: 2 }]);
    const many = await commitTransitions(h.db, [retrying('enc-t2'), opening('enc-b2'), retrying('enc-t3'), opening('enc-b3')]);
    expect(many.every((r) => r.ok)).toBe(true);

    const single = (await stored(h, 'task', 'enc-t1')) as { columns: Record<string, unknown>; audit: Record<string, unknown> };
    expect(single.columns).toMatchObject({
      last_error: AWKWARD, depends_on: ['a', AWKWARD], blocked_by: [], expected_exit: [0, 2], is_critical: true,
      deadline_at: null, worker_id: null, retry_count: 1,
    });
    expect((single.columns['retry_at'] as Date).getTime()).toBe(at(5));
    expect(single.audit).toMatchObject({ reason: AWKWARD, operator: 'ops', runId: null, metadata: { nested: { list: [1, 'two', null, { three: AWKWARD }] }, empty: {} } });
    for (const id of tasks.slice(1)) expect(await stored(h, 'task', id), id).toEqual(single);

    const breaker = (await stored(h, 'circuit_breaker', 'enc-b1')) as { columns: Record<string, unknown> };
    expect(breaker.columns).toMatchObject({ cooldown_seconds: 0.25, failure_count: 5, last_error: AWKWARD });
    for (const id of breakers.slice(1)) expect(await stored(h, 'circuit_breaker', id), id).toEqual(breaker);
  });

  it('keeps batch order in the audit ids whatever the id order of the rows', async () => {
    const ids = ['ord-c', 'ord-a', 'ord-b'];
    await insertEntities(h.db, ids.map((id) => newEntity('run', id, 'pending')));
    const items = ids.map((id) => transition('run', id, 1, 'pending', 'running', { started_at: at(2) }));
    expect(await commitTransitions(h.db, items)).toEqual(ids.map(() => ({ ok: true, version: 2 })));
    const auditIds = await Promise.all(ids.map(async (id) => BigInt((await readHistory(h.db, 'run', id)).at(-1)!.id)));
    expect([...auditIds].sort((a, b) => (a < b ? -1 : 1))).toEqual(auditIds);
  });
});
