import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { cliTarget, testDatabases } from '../support/test-database.js';
import { runGantry, type GantryResult } from './run-gantry.js';

/** Runs the invocations one after the other on PGlite (one process at a time holds its state directory), at once on PostgreSQL. */
async function runAll(kind: string, calls: readonly (() => Promise<GantryResult>)[]): Promise<GantryResult[]> {
  if (kind !== 'pglite') return Promise.all(calls.map((c) => c()));
  const out: GantryResult[] = [];
  for (const c of calls) out.push(await c());
  return out;
}


const NAMESPACING = 'ids are namespaced by their run: a workstream, task or worker is <run>.<name>';

describe.each(testDatabases())('unknown ids name the closest existing ones (%s)', (kind) => {
  let box: EngineSandbox;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  const url = process.env['DATABASE_URL'];
  beforeAll(async () => {
    box = await makeSandbox();
    ({ args, env, schema } = cliTarget(kind, box.stateDir));
    const plan = {
      run: { id: 'demo', phase: 'PH-1', repository: './repo', target_branch: 'main' },
      workstreams: [{ id: 'core', tasks: [{ id: 'leak-key', command: writeCmd('src/key.js', '1;\n') }] }],
    };
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(plan));
    const r = await runGantry(['run', join(box.dir, 'plan.json'), ...args], env);
    expect(r.code, r.stderr).toBe(0);
  }, 480_000);
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: url! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await box.cleanup();
  });

  it('history, entity show, status and override: exit 2, did-you-mean, and how ids are namespaced', async () => {
    const add = await runGantry(['operator', 'add', 'alice', '--json', ...args], env);
    expect(add.code, add.stderr).toBe(0);
    const token = (JSON.parse(add.stdout) as { token: string }).token;
    const [history, show, status, other, override] = await runAll(kind, [
      () => runGantry(['history', 'task', 'leak-key', ...args], env),
      () => runGantry(['entity', 'show', 'task', 'demo.leak-kye', ...args], env),
      () => runGantry(['status', 'dem', ...args], env),
      () => runGantry(['history', 'task', 'demo.core', ...args], env),
      () => runGantry(['override', 'reset-task', 'leak-key', '--reason', 'try', '--operator', 'alice', '--token', token, ...args], env),
    ]);
    for (const r of [history, show, status, other, override]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(NAMESPACING);
    }
    expect(history.stderr).toContain("task leak-key does not exist; did you mean 'demo.leak-key'?");
    expect(show.stderr).toContain("task demo.leak-kye does not exist; did you mean 'demo.leak-key'?");
    expect(status.stderr).toContain("run dem does not exist; did you mean 'demo'?");
    expect(other.stderr).toContain('task demo.core does not exist; but a workstream has this id');
    expect(override.stderr).toContain("task leak-key does not exist; did you mean 'demo.leak-key'?");
  }, 480_000);
});
