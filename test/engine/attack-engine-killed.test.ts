import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { runGit } from '../../git/index.js';
import { createDatabase } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT, runGantry } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName, type TestDatabaseKind } from '../support/test-database.js';
import { isAlive, waitUntilGone } from '../exec/process-liveness.js';
import { backgroundChildren, pidsOf } from './background-children.js';
import { makeSandbox, type EngineSandbox } from './engine-fixtures.js';

// Attack (issue 11): the engine is killed (SIGKILL) while a task with background children runs. Before the fix the
// old attempt kept running next to its retry in the same worktree. Now the sandbox dies with the engine
// (--die-with-parent); without a sandbox `gantry resume` kills what is left (attempt tag) before it retries.
const BG = backgroundChildren;


interface Side {
  box: EngineSandbox;
  args: string[];
  env: NodeJS.ProcessEnv;
  schema: string | null;
}

async function side(kind: TestDatabaseKind, run: string, sandbox: string, n: number): Promise<Side> {
  const box = await makeSandbox();
  const plan = { run: { id: run, phase: 'PH-1', repository: './repo' }, sandbox, retry: { backoff_base_ms: 10, backoff_cap_ms: 40 }, workers: { heartbeat_interval_sec: 1 }, workstreams: [{ id: 'ws', tasks: [{ id: 'bg', command: BG(n) }] }] };
  await writeFile(join(box.dir, 'plan.json'), JSON.stringify(plan, null, 2));
  const { DATABASE_URL, ...rest } = process.env;
  if (kind === 'pglite') return { box, args: ['--state-dir', box.stateDir], env: rest, schema: null };
  const schema = uniqueSchemaName();
  return { box, args: ['--state-dir', box.stateDir, '--db', DATABASE_URL!], env: { ...rest, GANTRY_DB_SCHEMA: schema }, schema };
}

/** Starts `gantry run`, waits until the task's background children exist, SIGKILLs the engine; returns their pids. */
function runAndKill(s: Side, run: string, n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GANTRY_BIN, 'run', join(s.box.dir, 'plan.json'), ...s.args], { cwd: ROOT, env: s.env });
    let out = '';
    let pids: number[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (pids.length > 0 || !new RegExp(`${run}\\.bg: queued → running`).test(out)) return;
      void (async () => {
        for (let i = 0; i < 200 && pids.length < 2; i++) {
          pids = [...pidsOf(`sleep ${n}`), ...pidsOf(`sleep ${n + 1}`)];
          if (pids.length < 2) await sleep(25);
        }
        child.kill('SIGKILL');
      })();
    });
    child.on('error', reject);
    child.on('close', () => (pids.length === 2 ? resolve(pids) : reject(new Error(`background children not seen: ${out}`))));
  });
}

describe.each(testDatabases())('attack: the engine killed while a task\'s background children run (%s)', (kind) => {
  const sides: Side[] = [];
  afterAll(async () => {
    for (const s of sides) {
      if (s.schema) {
        const h = await createDatabase({ url: process.env['DATABASE_URL']! });
        await sql`drop schema if exists ${sql.id(s.schema)} cascade`.execute(h.db);
        await h.close();
      }
      await s.box.cleanup();
    }
  });

  it.each([
    ['auto', 971],
    ['none', 973],
  ] as const)('sandbox %s: nothing of the lost attempt runs once resume starts, and its retry runs alone', async (mode, n) => {
    const run = `kill-${mode}`;
    const s = await side(kind, run, mode, n);
    sides.push(s);
    const lost = await runAndKill(s, run, n);
    if (mode === 'auto') {
      // The sandbox dies with the engine (--die-with-parent): its PID namespace takes every process along.
      for (const pid of lost) expect(await waitUntilGone(pid, 5000)).toBe(true);
    } else {
      // Unsandboxed they outlive the engine (their own session): resume must end them before the retry.
      expect(lost.every(isAlive)).toBe(true);
    }
    const resumed = await runGantry(['resume', run, ...s.args], s.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const pid of lost) expect(isAlive(pid)).toBe(false);
    if (mode === 'none') expect(resumed.stderr).toMatch(/repaired: killed \d+ process\(es\) of lost attempts/);
    expect([...pidsOf(`sleep ${n}`), ...pidsOf(`sleep ${n + 1}`)]).toEqual([]);
    // Only the retry's own line: the lost attempt's change was reset and its children never wrote.
    expect((await runGit(s.box.repo, ['show', 'main:src/log.txt'])).stdout).toBe('attempt\n');
  }, 180_000);
});
