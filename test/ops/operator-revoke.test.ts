import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { loadEntity } from '../../persistence/index.js';
import { testDatabases } from '../support/test-database.js';
import { auditCount, cliDatabase, type CliDatabase } from './recovery-fixtures.js';

describe.each(testDatabases())('gantry operator revoke and list (%s)', (kind) => {
  let cli: CliDatabase;
  const tokens: Record<string, string> = {};
  const gantry = (...a: string[]) => cli.gantry(...a);
  /** The task's state and the number of audit rows (to prove nothing was written). */
  const written = () => cli.use(async (h) => ({ task: (await loadEntity(h.db, 'task', 't-1'))?.state, rows: await auditCount(h) }));
  beforeAll(async () => {
    cli = await cliDatabase(kind);
    await cli.use(async (h) => {
      const actors = new PersistedActors({ db: h.db });
      await actors.create('task', 't-1', {});
      await actors.send('task', 't-1', { type: 'scheduler_assigned' });
      await actors.close();
    });
    for (const name of ['alice', 'bob']) {
      const r = await gantry('operator', 'add', name, '--json');
      expect(r.code, r.stderr).toBe(0);
      tokens[name] = JSON.parse(r.stdout).token;
    }
  }, 120_000);
  afterAll(async () => {
    await cli?.cleanup();
  });

  it('revokes an operator: listed as revoked, its override refused (exit 1, nothing written), the other still accepted', async () => {
    const revoke = await gantry('operator', 'revoke', 'bob', '--json');
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(JSON.parse(revoke.stdout)).toMatchObject({ operator: 'bob', revoked_at: expect.stringMatching(/^\d{4}-/) });
    const list = await gantry('operator', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    const ops = JSON.parse(list.stdout).operators as { name: string; revoked_at: string | null; active: boolean }[];
    expect(ops.map((o) => [o.name, o.active])).toEqual([['alice', true], ['bob', false]]);
    expect(list.stdout).not.toContain(tokens['bob']!);
    expect((await gantry('operator', 'list')).stdout).toMatch(/alice\s+added .* active\nbob\s+added .* revoked /);

    const before = await written();
    const refused = await gantry('override', 'fail-task', 't-1', '--reason', 'revoked', '--operator', 'bob', '--token', tokens['bob']!);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/manual override refused: operator 'bob' is revoked \(nothing written\)/);
    expect(await written()).toEqual(before);

    const ok = await gantry('override', 'fail-task', 't-1', '--reason', 'still allowed', '--operator', 'alice', '--token', tokens['alice']!);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await written()).task).toBe('failed');
  }, 120_000);

  it('refuses to revoke twice (exit 1) and names an unknown operator (exit 2)', async () => {
    const again = await gantry('operator', 'revoke', 'bob');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/operator 'bob' was already revoked at .* \(nothing written\)/);
    const unknown = await gantry('operator', 'revoke', 'carol');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown operator 'carol'/);
    expect((await gantry('operator', 'revoke')).code).toBe(2);
  }, 120_000);
});
