import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

// Issue 11: `entity send/create --operator NAME` records an operator in the audit, so it needs that operator's
// token like every override; without `--operator` nothing changes.
describe.each(testDatabases())('entity send/create --operator need the operator\'s token on %s', (kind) => {
  let stateDir: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  let token: string;
  const gantry = (...a: string[]) => runGantry([...a, ...args], env);
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gantry-cli-op-'));
    const { DATABASE_URL, GANTRY_OPERATOR, GANTRY_OPERATOR_TOKEN, ...rest } = process.env;
    if (kind === 'pglite') {
      args = ['--state-dir', stateDir];
      env = rest;
    } else {
      schema = uniqueSchemaName();
      args = ['--db', DATABASE_URL!, '--state-dir', stateDir];
      env = { ...rest, GANTRY_DB_SCHEMA: schema };
    }
    token = JSON.parse((await gantry('operator', 'add', 'ops', '--json')).stdout).token;
  }, 120_000);
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it('create and send refuse an --operator without its token, or with a wrong one, writing nothing', async () => {
    const noToken = await gantry('entity', 'create', 'task', 't1', '--operator', 'ops');
    expect([noToken.code, noToken.stderr]).toEqual([1, expect.stringMatching(/no token for operator 'ops'.*nothing written/)]);
    const wrong = await gantry('entity', 'create', 'task', 't1', '--operator', 'ops', '--token', 'gto_wrong');
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringMatching(/wrong token for operator 'ops'/)]);
    const unknown = await gantry('entity', 'create', 'task', 't1', '--operator', 'mallory', '--token', token);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringMatching(/unknown operator 'mallory'/)]);
    expect((await gantry('entity', 'show', 'task', 't1')).code).toBe(2);
    expect((await gantry('entity', 'create', 'task', 't1')).code).toBe(0);
    const send = await gantry('entity', 'send', 'task', 't1', 'scheduler_assigned', '--operator', 'ops', '--token', 'gto_wrong');
    expect([send.code, send.stderr]).toEqual([1, expect.stringMatching(/wrong token for operator 'ops'/)]);
    const sendNoToken = await gantry('entity', 'send', 'task', 't1', 'scheduler_assigned', '--operator', 'ops');
    expect(sendNoToken.code).toBe(1);
    expect(JSON.parse((await gantry('entity', 'show', 'task', 't1', '--json')).stdout)).toMatchObject({ state: 'pending', version: 1 });
  }, 300_000);

  it('with the token (option or GANTRY_OPERATOR_TOKEN) the operator is recorded', async () => {
    expect((await gantry('entity', 'create', 'task', 't2', '--operator', 'ops', '--token', token, '--reason', 'by hand')).code).toBe(0);
    const send = await runGantry(['entity', 'send', 'task', 't2', 'scheduler_assigned', '--operator', 'ops', ...args], { ...env, GANTRY_OPERATOR_TOKEN: token });
    expect(send.code, send.stderr).toBe(0);
    const rows = JSON.parse((await gantry('history', 'task', 't2', '--json')).stdout).transitions as { operator: string | null }[];
    expect(rows.map((r) => r.operator)).toEqual(['ops', 'ops']);
  }, 300_000);
});
