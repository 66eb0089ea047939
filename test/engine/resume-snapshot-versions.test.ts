import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { machineCatalog } from '../../machines/index.js';
import { createDatabase, type DatabaseHandle } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT, runGantry } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName, type TestDatabaseKind } from '../support/test-database.js';
import { makeSandbox, slowWriteCmd, writeCmd, type EngineSandbox } from './engine-fixtures.js';

// Issue 16, the engine side: a run killed mid-task whose workstream row is then found stored under a machine version
// no snapshot migration leads from. `gantry resume` refuses before driving or writing anything (exit 1), naming the
// entity and both versions; once the row is readable again the same resume finishes the run and the audit holds.

const PLAN = {
  run: { id: 'rv', phase: 'PH-1', repository: './repo', target_branch: 'main' },
  patch_rules: { allowed_paths: ['src/**'] },
  workers: { orchestration: [{ id: 'agent', count: 1, capabilities: ['node'] }] },
  workstreams: [
    {
      id: 'core',
      tasks: [
        { id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n') },
        { id: 'slow-b', command: slowWriteCmd('src/b.js', 'export const b = 2;\n', 2000), depends_on: ['write-a'] },
      ],
    },
  ],
};
const SLOW_RUNNING = 'task            rv.slow-b: queued → running (worker_started)';
const UNKNOWN = 'ffffffffffff';
const SLOW = 240_000;

interface Side {
  box: EngineSandbox;
  args: string[];
  env: NodeJS.ProcessEnv;
  schema: string | null;
}

describe.each(testDatabases())('gantry resume with an entity of an unknown machine version (%s)', (kind: TestDatabaseKind) => {
  let s: Side | null = null;
  afterAll(async () => {
    if (s?.schema) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(s.schema)} cascade`.execute(h.db);
      await h.close();
    }
    await s?.box.cleanup();
  });

  async function withDb<T>(fn: (h: DatabaseHandle) => Promise<T>): Promise<T> {
    const h = await createDatabase(s!.schema ? { url: process.env['DATABASE_URL']!, schema: s!.schema } : { stateDir: s!.box.stateDir });
    try {
      return await fn(h);
    } finally {
      await h.close();
    }
  }

  it('refuses to resume, naming the entity and both versions, writes nothing; resumes once the row is readable', async () => {
    const box = await makeSandbox();
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(PLAN, null, 2));
    const { DATABASE_URL, ...rest } = process.env;
    const schema = kind === 'postgres' ? uniqueSchemaName() : null;
    s = {
      box,
      args: schema ? ['--state-dir', box.stateDir, '--db', DATABASE_URL!] : ['--state-dir', box.stateDir],
      env: schema ? { ...rest, GANTRY_DB_SCHEMA: schema } : rest,
      schema,
    };
    const side = s;
    // Killed while the slow task runs.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [GANTRY_BIN, 'run', join(box.dir, 'plan.json'), ...side.args], { cwd: ROOT, env: side.env });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes(SLOW_RUNNING)) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    const before = await withDb(async (h) => {
      const ws = (await sql<{ id: string; version: number }>`SELECT id, version FROM workstreams WHERE run_id = 'rv'`.execute(h.db)).rows[0]!;
      await sql`UPDATE workstreams SET machine_version = ${UNKNOWN} WHERE id = ${ws.id}`.execute(h.db);
      const audit = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions`.execute(h.db)).rows[0]!.n;
      return { ws, audit };
    });

    const refused = await runGantry(['resume', 'rv', ...side.args], side.env);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain('run rv cannot resume: 1 entity was persisted by a machine version this build cannot read');
    const current = machineCatalog.workstream.version;
    expect(refused.stderr).toContain(`workstream ${before.ws.id} was persisted by machine version ${UNKNOWN}, this build runs ${current}, and no snapshot migration leads from ${UNKNOWN} to ${current}`);
    await withDb(async (h) => {
      expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM state_transitions`.execute(h.db)).rows[0]!.n).toBe(before.audit);
      const ws = (await sql<{ version: number; machine_version: string }>`SELECT version, machine_version FROM workstreams WHERE id = ${before.ws.id}`.execute(h.db)).rows[0]!;
      expect(ws).toEqual({ version: before.ws.version, machine_version: UNKNOWN });
      await sql`UPDATE workstreams SET machine_version = ${current} WHERE id = ${before.ws.id}`.execute(h.db);
    });

    const resumed = await runGantry(['resume', 'rv', ...side.args], side.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('run rv: succeeded');
    const verify = await runGantry(['audit', 'verify', ...side.args], side.env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, SLOW);
});
