import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { runGantry, type GantryResult } from '../cli/run-gantry.js';

/** Runs the invocations one after the other on PGlite (one process at a time holds its state directory), at once on PostgreSQL. */
async function runAll(kind: string, calls: readonly (() => Promise<GantryResult>)[]): Promise<GantryResult[]> {
  if (kind !== 'pglite') return Promise.all(calls.map((c) => c()));
  const out: GantryResult[] = [];
  for (const c of calls) out.push(await c());
  return out;
}

import { cliTarget, testDatabases } from '../support/test-database.js';
import { makeSandbox, writeCmd, type EngineSandbox } from './engine-fixtures.js';

describe.each(testDatabases())('a program that is not found fails its task at once (%s)', (kind) => {
  let box: EngineSandbox;
  let planFile: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  const url = process.env['DATABASE_URL'];
  beforeAll(async () => {
    box = await makeSandbox();
    ({ args, env, schema } = cliTarget(kind, box.stateDir));
    // A long backoff: a retried attempt would show up as `retrying` and a second start long after the first.
    const plan = {
      run: { id: 'pnf', phase: 'PH-1', repository: './repo', target_branch: 'main' },
      retry: { backoff_base_ms: 60_000, backoff_cap_ms: 60_000 },
      workstreams: [
        {
          id: 'core',
          tasks: [
            { id: 'argv', command: ['gantry-no-such-program', '--flag'], max_retries: 3 },
            { id: 'shell', command: 'gantry-no-such-shell-program --flag', max_retries: 3 },
            { id: 'fine', command: writeCmd('src/fine.js', '1;\n') },
          ],
        },
      ],
    };
    planFile = join(box.dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
  });
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: url! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await box.cleanup();
  });

  it('plan check warns (exit 0) about the task programs missing on PATH', async () => {
    const r = await runGantry(['plan', 'check', planFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("workstreams[0].tasks[0].command: task program 'gantry-no-such-program' is not found on PATH on this host");
    expect(r.stdout).toContain("workstreams[0].tasks[1].command: task program 'gantry-no-such-shell-program' is not found on PATH on this host");
    expect(r.stdout).not.toContain("'node' is not found");
  }, 120_000);

  it('each is attempted once, fails with the reason, and status --json shows it failed', async () => {
    const run = await runGantry(['run', planFile, ...args], env);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('task            pnf.argv: running → failed (execution_failed)');
    expect(run.stdout).toContain('task            pnf.shell: running → failed (execution_failed)');
    expect(run.stdout).not.toContain('retrying');

    const [status, argv, shell, history] = await runAll(kind, [
      () => runGantry(['status', '--json', ...args], env),
      () => runGantry(['entity', 'show', 'task', 'pnf.argv', '--json', ...args], env),
      () => runGantry(['entity', 'show', 'task', 'pnf.shell', '--json', ...args], env),
      () => runGantry(['history', 'task', 'pnf.argv', '--json', ...args], env),
    ]);
    expect(status.code, status.stderr).toBe(0);
    const tasks = (JSON.parse(status.stdout) as { tasks: { id: string; state: string }[] }).tasks;
    expect(Object.fromEntries(tasks.map((t) => [t.id, t.state]))).toEqual({ 'pnf.argv': 'failed', 'pnf.shell': 'failed', 'pnf.fine': 'completed' });

    const ctxOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { context: { retry_count: number; last_error: string } }).context;
    expect(ctxOf(argv).retry_count).toBe(0);
    expect(ctxOf(argv).last_error).toMatch(/^program not found: gantry-no-such-program \(cannot start "gantry-no-such-program" in .*: program not found\)$/);
    expect(ctxOf(shell).retry_count).toBe(0);
    expect(ctxOf(shell).last_error).toMatch(/^program not found: gantry-no-such-shell-program; exit code 127: /);

    const rows = (JSON.parse(history.stdout) as { transitions: { from_state: string | null; to_state: string }[] }).transitions;
    expect(rows.map((r) => `${r.from_state ?? '∅'}→${r.to_state}`)).toEqual(['∅→pending', 'pending→queued', 'queued→running', 'running→failed']);
  }, 480_000);
});
