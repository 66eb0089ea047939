import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, replayAudit, verifyAudit } from '../../actors/index.js';
import { addOperator, applyOverride, authenticateOperator, failurePatterns, OperatorAuthError, OVERRIDE_ACTIONS, OverrideRefusedError, recentOverrides } from '../../ops/index.js';
import { REASON_MAX_LENGTH } from '../../machines/index.js';
import { loadEntity, readHistory } from '../../persistence/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import { OVERRIDE_TARGETS, overrideFixtures } from './ops-fixtures.js';

describe.each(testDatabases())('manual overrides through the library (%s)', (kind) => {
  let h: TestDatabase;
  let actors: PersistedActors;
  let ids: Record<string, string>;
  let token: string;
  let dir: string;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
    dir = await mkdtemp(join(tmpdir(), 'gantry-ops-'));
    actors = new PersistedActors({ db: h.db });
    ids = await overrideFixtures(actors);
    token = await addOperator(h.db, 'alice');
  });
  afterAll(async () => {
    await actors.close();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores only a salted hash of the token and authenticates only the right one', async () => {
    const { rows } = await sql<{ name: string; token_hash: string }>`SELECT * FROM operators`.execute(h.db);
    expect(rows).toEqual([expect.objectContaining({ name: 'alice', token_hash: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await authenticateOperator(h.db, { operator: 'alice', token })).toBe('alice');
    for (const creds of [{ operator: null, token }, { operator: 'alice', token: null }, { operator: 'alice', token: token + 'x' }, { operator: 'bob', token }]) {
      await expect(authenticateOperator(h.db, creds)).rejects.toBeInstanceOf(OperatorAuthError);
    }
  });

  it.each([...OVERRIDE_ACTIONS])('%s forces its target state, audited, replayable and verifiable', async (action) => {
    const [type, target] = OVERRIDE_TARGETS[action]!;
    const before = (await loadEntity(h.db, type, ids[action]!))!;
    const log = join(dir, 'transitions.jsonl');
    const r = await applyOverride(h.db, { action, id: ids[action]!, operator: 'alice', reason: `test ${action}`, clearRetryCount: true, transitionLog: log });
    expect(r).toMatchObject({ entityType: type, fromState: before.state, toState: target, version: before.version + 1, createdId: null });
    const after = (await loadEntity(h.db, type, ids[action]!))!;
    expect(after.state).toBe(target);
    const last = (await readHistory(h.db, type, ids[action]!)).at(-1)!;
    expect(last).toMatchObject({ trigger: action, operator: 'alice', reason: `test ${action}`, severity: 'warning', fromState: before.state, toState: target });
    expect(last.metadata).toMatchObject({ override: true, action });
    const line = JSON.parse((await readFile(log, 'utf8')).trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ event_type: 'manual_override', severity: 'warning', operator: 'alice', trigger: action, entity_id: ids[action] });
    expect((await replayAudit(h.db)).mismatches).toEqual([]);
    expect((await verifyAudit(h.db)).ok).toBe(true);
  });

  it('reset-task --clear-retry-count cleared the retry count and released the worker', async () => {
    const t = (await loadEntity(h.db, 'task', ids['reset-task']!))!;
    expect(t.columns).toMatchObject({ retry_count: 0, worker_id: null, retry_at: null });
  });

  it('a reset of a terminal task creates a new task with retry_of and leaves the old one as it was', async () => {
    const old = (await loadEntity(h.db, 'task', ids['complete-task']!))!;
    const r = await applyOverride(h.db, { action: 'reset-task', id: old.id, operator: 'alice', reason: 'redo', transitionLog: null });
    expect(r.createdId).toBe(`${old.id}-r1`);
    expect(await loadEntity(h.db, 'task', old.id)).toEqual(old);
    const fresh = (await loadEntity(h.db, 'task', r.createdId!))!;
    expect(fresh).toMatchObject({ state: 'pending', version: 1, columns: { retry_of: old.id, retry_count: 0 } });
    expect((await readHistory(h.db, 'task', fresh.id))[0]).toMatchObject({ operator: 'alice', reason: 'redo', severity: 'warning', metadata: { override: true, retry_of: old.id } });
    expect((await replayAudit(h.db)).ok).toBe(true);
  });

  it('an override that does not apply is refused and writes nothing', async () => {
    const ws = (await loadEntity(h.db, 'workstream', ids['fail-workstream']!))!;
    await expect(applyOverride(h.db, { action: 'validate-workstream', id: ws.id, operator: 'alice', reason: 'no', transitionLog: null })).rejects.toBeInstanceOf(OverrideRefusedError);
    expect(await loadEntity(h.db, 'workstream', ws.id)).toEqual(ws);
  });

  it('a reason longer than REASON_MAX_LENGTH is refused before anything is written (the audit column holds no more)', async () => {
    const ws = (await loadEntity(h.db, 'workstream', ids['fail-workstream']!))!;
    const reason = 'x'.repeat(REASON_MAX_LENGTH + 1);
    const e = await applyOverride(h.db, { action: 'fail-workstream', id: ws.id, operator: 'alice', reason, transitionLog: null }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OverrideRefusedError);
    expect((e as Error).message).toContain(`at most ${REASON_MAX_LENGTH}`);
    expect(await loadEntity(h.db, 'workstream', ws.id)).toEqual(ws);
  });

  it('report failures counts the transitions into failure states by type, states and trigger', async () => {
    const rows = await failurePatterns(h.db, new Date(Date.now() - 86_400_000));
    expect(rows).toContainEqual(expect.objectContaining({ entityType: 'circuit_breaker', fromState: 'CLOSED', toState: 'OPEN', trigger: 'call_failed', count: 1 }));
    expect(rows).toContainEqual(expect.objectContaining({ entityType: 'task', toState: 'failed', trigger: 'fail-task', count: 1 }));
    expect(rows).toContainEqual(expect.objectContaining({ entityType: 'workstream', toState: 'failed', trigger: 'fail-workstream', count: 1 }));
    expect(rows.every((r) => r.toState !== 'completed')).toBe(true);
    expect(await failurePatterns(h.db, new Date(Date.now() + 60_000))).toEqual([]);
  });

  it('report overrides lists each override of the last day with operator and reason', async () => {
    const rows = await recentOverrides(h.db, new Date(Date.now() - 86_400_000));
    expect(rows).toHaveLength(OVERRIDE_ACTIONS.length + 1);
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(OVERRIDE_ACTIONS));
    expect(rows.every((r) => r.operator === 'alice' && r.reason !== null)).toBe(true);
  });
});
