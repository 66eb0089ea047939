import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { runGit } from '../../git/index.js';
import { createDatabase, migrateToLatest, type DatabaseHandle } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { isAlive, waitUntilGone } from '../exec/process-liveness.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { backgroundChildren, pidsOf } from './background-children.js';
import { makeSandbox, type EngineSandbox } from './engine-fixtures.js';

// Attack (issue 11): a `gantry worker` is killed (SIGKILL) while its task's background children run. Before the fix
// the old attempt kept running next to its retry in the same worktree. Now the sandbox dies with the worker
// (--die-with-parent); without a sandbox the retry's attempt first kills every tagged process left in its
// workstream's worktree. `gantry worker` needs a shared PostgreSQL: on the embedded database no worker process
// exists to be killed (the engine runs the tasks itself; its own death is attack-engine-killed's), which the first
// test checks; the attack itself runs when DATABASE_URL is set.
const BG = backgroundChildren;

/** A `gantry` child process; `done` resolves with its exit code and everything it printed. */
function gantry(args: string[], env: NodeJS.ProcessEnv): { proc: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const proc = spawn(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, out }));
  });
  return { proc, done };
}

describe('attack: a gantry worker on the embedded database', () => {
  it('cannot arise: a worker process is refused before it claims anything (exit 2)', async () => {
    const box = await makeSandbox();
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const w = gantry(['worker', '--name', 'w1', '--state-dir', box.stateDir], env);
    const ended = await w.done;
    await box.cleanup();
    expect(ended.code, ended.out).toBe(2);
    expect(ended.out).toContain('gantry worker needs a shared PostgreSQL database');
  });
});

if (testDatabases().includes('postgres')) describe('attack: a gantry worker killed while its task\'s background children run (postgres)', () => {
  const boxes: EngineSandbox[] = [];
  const handles: { handle: DatabaseHandle; schema: string }[] = [];
  const procs: ChildProcess[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const { handle, schema } of handles) {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.close();
    }
    for (const b of boxes) await b.cleanup();
  });

  it.each([
    ['auto', 977],
    ['none', 979],
  ] as const)('sandbox %s: nothing of the lost attempt runs beside its retry on another worker', async (mode, n) => {
    const box = await makeSandbox();
    boxes.push(box);
    const run = `wk-${mode}`;
    const plan = {
      run: { id: run, phase: 'PH-1', repository: './repo' },
      sandbox: mode,
      retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
      workers: { orchestration: [{ id: 'agent', capabilities: ['sh'] }], heartbeat_interval_sec: 0.5, recovery_timeout_sec: 2 },
      workstreams: [{ id: 'ws', tasks: [{ id: 'bg', tool: 'sh', requires: ['sh'], command: BG(n), max_retries: 2 }] }],
    };
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(plan, null, 2));
    const url = process.env['DATABASE_URL']!;
    const schema = uniqueSchemaName();
    const handle = await createDatabase({ url, schema });
    handles.push({ handle, schema });
    await migrateToLatest(handle.db);
    const env = { ...process.env, GANTRY_DB_SCHEMA: schema };
    const worker = (name: string) => gantry(['worker', '--name', name, '--poll-ms', '50', '--state-dir', join(box.dir, `state-${name}`), '--db', url], env);

    const w1 = worker('w1');
    procs.push(w1.proc);
    const engine = gantry(['run', join(box.dir, 'plan.json'), '--external-workers', '--state-dir', box.stateDir, '--db', url], env);
    procs.push(engine.proc);
    // The task's children exist on w1 (a generous bound, not a timing assertion), then w1 is killed.
    let lost: number[] = [];
    for (let i = 0; i < 2400 && lost.length < 2; i++) {
      lost = [...pidsOf(`sleep ${n}`), ...pidsOf(`sleep ${n + 1}`)];
      if (lost.length < 2) await sleep(50);
    }
    expect(lost, 'the background children of the task on w1').toHaveLength(2);
    w1.proc.kill('SIGKILL');
    if (mode === 'auto') {
      // The sandbox dies with the worker (--die-with-parent): its PID namespace takes every process along.
      for (const pid of lost) expect(await waitUntilGone(pid, 5000)).toBe(true);
    } else {
      // Unsandboxed they outlive the worker (their own session): the retry must end them before it starts.
      expect(lost.every(isAlive)).toBe(true);
    }
    const w2 = worker('w2');
    procs.push(w2.proc);
    const ended = await engine.done;
    expect(ended.code, ended.out).toBe(0);
    w2.proc.kill('SIGTERM');
    await w2.done;

    for (const pid of lost) expect(isAlive(pid)).toBe(false);
    expect([...pidsOf(`sleep ${n}`), ...pidsOf(`sleep ${n + 1}`)]).toEqual([]);
    const claims = await handle.db.selectFrom('state_transitions').select('metadata').where('entity_id', '=', `${run}.bg`).where('trigger', '=', 'worker_started').orderBy('seq').execute();
    expect(claims.map((c) => (c.metadata as { worker_id?: string }).worker_id)).toEqual([`${run}.agent.w-w1`, `${run}.agent.w-w2`]);
    // Only the retry's own line: the lost attempt's change was undone and its children never wrote.
    expect((await runGit(box.repo, ['show', 'main:src/log.txt'])).stdout).toBe('attempt\n');
  }, 240_000);
});
