import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

// SSOT §5.2: no identity, no override — and a refusal leaves no trace, not even a database it had to create.
const COMMANDS = [
  ['override', 'fail-task', 'r.t', '--reason', 'x'],
  ['playbook', 'reset-breaker', 'r.sh', '--check', 'true', '--reason', 'x'],
  ['playbook', 'recover-workstream', 'r.ws', '--reason', 'x'],
];

describe.each(testDatabases())('a refused override or playbook opens no database (%s)', (kind) => {
  it.each(COMMANDS)('gantry %s %s without an operator: exit 1, nothing created', async (...args) => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-refusal-'));
    const { DATABASE_URL, GANTRY_OPERATOR: _o, GANTRY_OPERATOR_TOKEN: _t, ...env } = process.env;
    const schema = uniqueSchemaName();
    const pg = kind === 'postgres' ? ['--db', DATABASE_URL!] : [];
    const r = await runGantry([...args, '--state-dir', join(dir, 'state'), ...pg], { ...env, GANTRY_DB_SCHEMA: schema });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('no operator identity');
    expect(existsSync(join(dir, 'state', 'pgdata'))).toBe(false);
    if (kind === 'postgres') {
      const h = await createDatabase({ url: DATABASE_URL! });
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = ${schema}`.execute(h.db);
      await h.close();
      expect(rows[0]!.n).toBe(0);
    }
    await rm(dir, { recursive: true, force: true });
  });
});
