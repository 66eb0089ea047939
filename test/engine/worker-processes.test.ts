import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest, type Database, type DatabaseHandle } from '../../persistence/index.js';
import { runGantry, startGantry, type GantryChild } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { makeSandbox, type EngineSandbox } from './engine-fixtures.js';

// docs/design/plan.md `gantry worker`, issue 4: worker processes joining runs in a shared PostgreSQL; zero double claims; a lost
// worker's task fails and retries elsewhere (SSOT §1.5). Real processes, real git, real PostgreSQL.

const SLOW = 240_000;

/** A node command that appends `<task>` to `log` (outside the repository), writes `file`, then stays `ms` alive. */
function taskCmd(log: string, task: string, file: string, ms: number): string[] {
  const code = [
    `const fs=require('fs');fs.appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(task + '\n')});`,
    `fs.mkdirSync('src',{recursive:true});fs.writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(`// ${task}\n`)});`,
    `setTimeout(()=>{}, ${ms})`,
  ].join('');
  return ['node', '-e', code];
}

/** A plan of `wsCount` workstreams × `perWs` tasks, each logging its executions to `log`. */
function plan(log: string, wsCount: number, perWs: number, ms: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const workstreams = Array.from({ length: wsCount }, (_, w) => ({
    id: `ws${w}`,
    tasks: Array.from({ length: perWs }, (_, t) => ({ id: `t${w}-${t}`, command: taskCmd(log, `t${w}-${t}`, `src/f${w}-${t}.js`, ms), max_retries: 2 })),
  }));
  return {
    run: { id: 'wp', phase: 'PH-1', repository: './repo', target_branch: 'main' },
    retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
    workers: { orchestration: [{ id: 'agent', count: 1, capabilities: ['node'] }], heartbeat_interval_sec: 0.5, recovery_timeout_sec: 2 },
    workstreams,
    sandbox: { read_write: [log] }, // the execution log lives outside the repository
    ...extra,
  };
}


/** Waits until `check` is true, polling; fails with `what` after a generous deadline (not a timing assertion). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The task claims (worker_started rows) per task: worker ids in order. */
async function claims(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const rows = await sql<{ entity_id: string; worker: string }>`
    SELECT entity_id, metadata->>'worker_id' AS worker FROM state_transitions
    WHERE entity_type = 'task' AND trigger = 'worker_started' ORDER BY entity_id, seq`.execute(db);
  const out = new Map<string, string[]>();
  for (const r of rows.rows) out.set(r.entity_id, [...(out.get(r.entity_id) ?? []), r.worker]);
  return out;
}

/** How many times each task's command ran, from the execution log. */
async function executions(log: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await readFile(log, 'utf8')).split('\n').filter(Boolean)) out.set(`wp.${line}`, (out.get(`wp.${line}`) ?? 0) + 1);
  return out;
}

describe('gantry worker without a shared PostgreSQL', () => {
  it('is refused with a usage error (exit 2): the embedded PGlite takes one process at a time', async () => {
    const box = await makeSandbox();
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const r = await runGantry(['worker', '--state-dir', box.stateDir], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gantry worker needs a shared PostgreSQL database');
    await box.cleanup();
  });
});

for (const kind of testDatabases()) {
  if (kind !== 'postgres') continue;
  describe('gantry worker processes on PostgreSQL', () => {
    const boxes: EngineSandbox[] = [];
    const handles: { handle: DatabaseHandle; schema: string }[] = [];
    const children: GantryChild[] = [];
    afterAll(async () => {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      for (const { handle, schema } of handles) {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
        await handle.close();
      }
      for (const b of boxes) await b.cleanup();
    });

    /** A sandbox with the plan written, its own schema, and the CLI arguments and env to reach it. */
    async function setup(p: (log: string) => Record<string, unknown>) {
      const box = await makeSandbox();
      boxes.push(box);
      const log = join(box.dir, 'executions.log');
      await writeFile(log, '');
      await writeFile(join(box.dir, 'plan.json'), JSON.stringify(p(log), null, 2));
      const schema = uniqueSchemaName();
      const url = process.env['DATABASE_URL']!;
      const handle = await createDatabase({ url, schema });
      handles.push({ handle, schema });
      await migrateToLatest(handle.db);
      const env = { ...process.env, GANTRY_DB_SCHEMA: schema };
      const db = ['--db', url];
      return { box, log, env, db: handle.db, engineArgs: ['--state-dir', box.stateDir, ...db], workerArgs: (name: string) => ['worker', '--name', name, '--poll-ms', '50', '--state-dir', join(box.dir, `state-${name}`), ...db] };
    }

    it('two worker processes run every task of an --external-workers run, each claim executed exactly once', async () => {
      const s = await setup((log) => plan(log, 3, 3, 150));
      const w1 = startGantry(s.workerArgs('w1'), s.env);
      const w2 = startGantry(s.workerArgs('w2'), s.env);
      children.push(w1, w2);
      const run = await runGantry(['run', join(s.box.dir, 'plan.json'), '--external-workers', ...s.engineArgs], s.env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('run wp: succeeded');
      w1.proc.kill('SIGTERM');
      w2.proc.kill('SIGTERM');
      expect(await w1.done, w1.out()).toBe(0);
      expect(await w2.done, w2.out()).toBe(0);
      const byTask = await claims(s.db);
      const ran = await executions(s.log);
      expect(byTask.size).toBe(9);
      for (const [task, workers] of byTask) {
        expect(ran.get(task), task).toBe(workers.length); // every claim ran once, nothing ran unclaimed
        for (const w of workers) expect(w).toMatch(/^wp\.agent\.w-w[12]$/);
      }
      const workers = await s.db.selectFrom('workers').select(['id', 'state']).orderBy('id').execute();
      expect(workers).toEqual([
        { id: 'wp.agent.w-w1', state: 'shutdown' },
        { id: 'wp.agent.w-w2', state: 'shutdown' },
      ]);
      const verify = await runGantry(['audit', 'verify', ...s.engineArgs], s.env);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }, SLOW);

    it('an --external-workers run with no worker says its tasks are waiting for one, then finishes once a worker joins', async () => {
      const s = await setup((log) => plan(log, 1, 2, 50));
      const engine = startGantry(['run', join(s.box.dir, 'plan.json'), '--external-workers', ...s.engineArgs], s.env);
      children.push(engine);
      await until('the engine to say that no worker is alive', async () => engine.out().includes('no gantry worker is alive'));
      expect(engine.out()).toMatch(/gantry: no gantry worker is alive: start one with `gantry worker --db URL` on this database \(1 task is queued in run wp, --external-workers\)/);
      expect(await s.db.selectFrom('tasks').select('state').where('id', '=', 'wp.t0-0').executeTakeFirst()).toEqual({ state: 'queued' });
      const w1 = startGantry(s.workerArgs('w1'), s.env);
      children.push(w1);
      expect(await engine.done, engine.out()).toBe(0);
      expect(engine.out()).toContain('run wp: succeeded');
      expect(engine.out().match(/no gantry worker is alive/g)).toHaveLength(1); // said once, not every pulse
      w1.proc.kill('SIGTERM');
      expect(await w1.done, w1.out()).toBe(0);
    }, SLOW);

    it('the engine and a worker process share a run: each task claimed by one of them at a time, none twice', async () => {
      const s = await setup((log) => plan(log, 3, 2, 300));
      const w1 = startGantry(s.workerArgs('w1'), s.env);
      children.push(w1);
      const run = await runGantry(['run', join(s.box.dir, 'plan.json'), ...s.engineArgs], s.env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      w1.proc.kill('SIGTERM');
      expect(await w1.done, w1.out()).toBe(0);
      const byTask = await claims(s.db);
      const ran = await executions(s.log);
      expect(byTask.size).toBe(6);
      for (const [task, workers] of byTask) {
        expect(ran.get(task), task).toBe(workers.length);
        for (const w of workers) expect(w).toMatch(/^wp\.agent-1$|^wp\.agent\.w-w1$/);
      }
    }, SLOW);

    it('a worker process killed mid-task is declared lost after 2 missed beats: its task fails and another worker completes it', async () => {
      const s = await setup((log) => plan(log, 1, 1, 4000));
      const w1 = startGantry(s.workerArgs('w1'), s.env);
      children.push(w1);
      const engine = startGantry(['run', join(s.box.dir, 'plan.json'), '--external-workers', ...s.engineArgs], s.env);
      children.push(engine);
      // The claim (task running on w1) and the worker's own task_assigned are two commits: kill only after both,
      // so the worker dies busy (killed between them, it would die idle and be shut down instead).
      await until('the task running on w1, w1 busy', async () => {
        const t = await s.db.selectFrom('tasks').select(['state', 'worker_id']).where('id', '=', 'wp.t0-0').executeTakeFirst();
        const w = await s.db.selectFrom('workers').select('state').where('id', '=', 'wp.agent.w-w1').executeTakeFirst();
        return t?.state === 'running' && t.worker_id === 'wp.agent.w-w1' && w?.state === 'busy';
      });
      w1.proc.kill('SIGKILL');
      const w2 = startGantry(s.workerArgs('w2'), s.env);
      children.push(w2);
      expect(await engine.done, engine.out()).toBe(0);
      w2.proc.kill('SIGTERM');
      expect(await w2.done, w2.out()).toBe(0);
      expect((await claims(s.db)).get('wp.t0-0')).toEqual(['wp.agent.w-w1', 'wp.agent.w-w2']);
      const w1Trail = await s.db.selectFrom('state_transitions').select(['from_state', 'to_state', 'trigger']).where('entity_id', '=', 'wp.agent.w-w1').where(sql<boolean>`from_state IS DISTINCT FROM to_state`).orderBy('seq').execute();
      expect(w1Trail.map((r) => `${r.from_state}→${r.to_state} ${r.trigger}`)).toEqual([
        'null→initializing create',
        'initializing→idle registration_complete',
        'idle→busy task_assigned',
        'busy→unresponsive heartbeat_timeout',
        'unresponsive→shutdown recovery_timeout',
      ]);
      const failed = await s.db.selectFrom('state_transitions').select(['to_state', 'metadata']).where('entity_id', '=', 'wp.t0-0').where('trigger', '=', 'execution_failed').execute();
      expect(failed).toHaveLength(1);
      expect(JSON.stringify(failed[0]!.metadata)).toContain('was lost');
      expect((await s.db.selectFrom('tasks').select('state').where('id', '=', 'wp.t0-0').executeTakeFirstOrThrow()).state).toBe('completed');
    }, SLOW);

    it('a worker stopped with SIGTERM keeps beating while it finishes its task (never declared lost), then shuts down', async () => {
      const s = await setup((log) => plan(log, 1, 1, 3000));
      const w1 = startGantry(s.workerArgs('w1'), s.env);
      children.push(w1);
      const engine = startGantry(['run', join(s.box.dir, 'plan.json'), '--external-workers', ...s.engineArgs], s.env);
      children.push(engine);
      await until('the task running on w1', async () => (await s.db.selectFrom('tasks').select('state').where('id', '=', 'wp.t0-0').executeTakeFirst())?.state === 'running');
      w1.proc.kill('SIGTERM');
      expect(await w1.done, w1.out()).toBe(0);
      expect(w1.out()).toContain('finishing the tasks in flight');
      expect(await engine.done, engine.out()).toBe(0); // no other worker: a lost w1 would leave the run waiting
      expect((await claims(s.db)).get('wp.t0-0')).toEqual(['wp.agent.w-w1']);
      expect((await executions(s.log)).get('wp.t0-0')).toBe(1);
      const trail = await s.db.selectFrom('state_transitions').select(['to_state']).where('entity_id', '=', 'wp.agent.w-w1').orderBy('seq').execute();
      expect(trail.map((r) => r.to_state)).not.toContain('unresponsive');
      expect(trail.at(-1)!.to_state).toBe('shutdown');
    }, SLOW);

    it('a worker killed and restarted under the same name gives up the attempt it lost, then runs the retry', async () => {
      const s = await setup((log) => plan(log, 1, 1, 3000));
      const first = startGantry(s.workerArgs('w1'), s.env);
      children.push(first);
      const engine = startGantry(['run', join(s.box.dir, 'plan.json'), '--external-workers', ...s.engineArgs], s.env);
      children.push(engine);
      await until('the task running on w1', async () => (await s.db.selectFrom('workers').select('state').where('id', '=', 'wp.agent.w-w1').executeTakeFirst())?.state === 'busy');
      first.proc.kill('SIGKILL');
      const again = startGantry(s.workerArgs('w1'), s.env);
      children.push(again);
      expect(await engine.done, engine.out()).toBe(0);
      again.proc.kill('SIGTERM');
      expect(await again.done, again.out()).toBe(0);
      expect((await claims(s.db)).get('wp.t0-0')).toEqual(['wp.agent.w-w1', 'wp.agent.w-w1']);
      const failed = await s.db.selectFrom('state_transitions').select(['metadata']).where('entity_id', '=', 'wp.t0-0').where('trigger', '=', 'execution_failed').execute();
      expect(failed).toHaveLength(1);
      expect(JSON.stringify(failed[0]!.metadata)).toMatch(/restarted|was lost/);
      expect((await s.db.selectFrom('tasks').select('state').where('id', '=', 'wp.t0-0').executeTakeFirstOrThrow()).state).toBe('completed');
    }, SLOW);
  });
}
