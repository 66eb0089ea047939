import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../exec/index.js';
import { commitAll, initRepo } from '../../git/index.js';
import { createDatabase, migrateToLatest, type Database, type DatabaseHandle } from '../../persistence/index.js';
import { runGantry, startGantry, type GantryChild } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';

// Issue 16: workers on other hosts, sharing no folder with the engine. The plan names `run.remote` (here a bare
// repository); the engine keeps its own clone in its state directory; two `gantry worker --work-dir DIR` processes,
// each with its own folder, clone the remote, check out the commit the engine names, run the tasks and hand their
// diffs back through the database; the engine validates, commits, merges and pushes: the remote's main ends with the
// run's work. Real processes, real git, real PostgreSQL (a worker process needs one: on PGlite it is refused).

const SLOW = 300_000;

/** Every file under `dir`, relative to it (folders followed; `.git` internals skipped). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out;
}

/**
 * A task writing `src/<task>.txt` with the name of the folder it ran under (`w1`, `w2`, or something else) and what
 * it can see of the worker's folder for the run (`<work>/<run>/`), then waiting `ms`.
 */
function taskCmd(task: string, ms: number): string[] {
  const code = [
    `const fs=require('fs');const parts=process.cwd().split('/');`,
    `const who=parts.find((p)=>p==='w1'||p==='w2')||'elsewhere';`,
    `const seen=fs.readdirSync('../..').sort().join(',');`,
    `fs.mkdirSync('src',{recursive:true});fs.writeFileSync('src/${task}.txt', who+'\\n'+seen+'\\n');`,
    `setTimeout(()=>{}, ${ms})`,
  ].join('');
  return ['node', '-e', code];
}


/** The worker of each task's claims (worker_started transitions), in order. */
async function claims(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const rows = await sql<{ entity_id: string; worker: string }>`
    SELECT entity_id, metadata->>'worker_id' AS worker FROM state_transitions
    WHERE entity_type = 'task' AND trigger = 'worker_started' ORDER BY entity_id, seq`.execute(db);
  const out = new Map<string, string[]>();
  for (const r of rows.rows) out.set(r.entity_id, [...(out.get(r.entity_id) ?? []), r.worker]);
  return out;
}

describe('gantry worker --work-dir without a shared PostgreSQL', () => {
  it('is refused with a usage error (exit 2): the embedded PGlite takes one process at a time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-remote-'));
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const r = await runGantry(['worker', '--work-dir', join(dir, 'w1'), '--state-dir', join(dir, 'state')], env);
    await rm(dir, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gantry worker needs a shared PostgreSQL database');
  });
});

if (testDatabases().includes('postgres')) describe('workers on other hosts: run.remote (postgres)', () => {
  const dirs: string[] = [];
  const handles: { handle: DatabaseHandle; schema: string }[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const { handle, schema } of handles) {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.close();
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** A folder for one test: the remote (a bare repository seeded with one commit on main) and the engine's folder. */
  async function setup(): Promise<{ root: string; bare: string; start0: string; engineDir: string }> {
    const root = await realpath(await mkdtemp(join(tmpdir(), 'gantry-remote-')));
    dirs.push(root);
    const seed = join(root, 'seed');
    await initRepo(seed);
    await writeFile(join(seed, 'README.md'), 'remote\n');
    const start0 = await commitAll(seed, 'initial');
    const bare = join(root, 'remote.git');
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    execFileSync('git', ['-C', seed, 'push', '--quiet', bare, 'main:main']);
    const engineDir = join(root, 'engine');
    await mkdir(engineDir);
    return { root, bare, start0, engineDir };
  }

  /** A fresh schema, migrated; the environment that points the processes at it. */
  async function database(): Promise<{ db: Kysely<Database>; url: string; env: NodeJS.ProcessEnv }> {
    const schema = uniqueSchemaName();
    const url = process.env['DATABASE_URL']!;
    const handle = await createDatabase({ url, schema });
    handles.push({ handle, schema });
    await migrateToLatest(handle.db);
    return { db: handle.db, url, env: { ...process.env, GANTRY_DB_SCHEMA: schema } };
  }

  it('two worker processes with their own folders run the tasks; the merged work ends on the remote\'s main', async () => {
    // The remote: a bare repository seeded with one commit on main. Nothing else of the test shares a folder.
    const { bare, start0, engineDir } = await setup();
    const workstreams = ['ws0', 'ws1'].map((ws) => ({ id: ws, tasks: [0, 1, 2].map((n) => ({ id: `${ws}-t${n}`, command: taskCmd(`${ws}-t${n}`, 400), max_retries: 2 })) }));
    const plan = {
      run: { id: 'remote-demo', phase: 'PH-1', remote: bare, target_branch: 'main' },
      retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
      workers: { orchestration: [{ id: 'agent', count: 1, capabilities: ['node'], max_concurrent_tasks: 1 }], heartbeat_interval_sec: 0.5, recovery_timeout_sec: 5 },
      workstreams,
    };
    await writeFile(join(engineDir, 'plan.json'), JSON.stringify(plan, null, 2));
    const { db, url, env } = await database();
    const handle = { db };
    // The workers' folders are outside /tmp (which every sandbox replaces with its own), so that what the sandbox
    // hides of them is seen; a decoy in each that a task must not see.
    const workers = await realpath(await mkdtemp(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'gantry-remote-workers-')));
    dirs.push(workers);
    for (const name of ['w1', 'w2']) await mkdir(join(workers, name, 'work', 'remote-demo', 'decoy'), { recursive: true });
    const worker = (name: string) => startGantry(['worker', '--name', name, '--work-dir', join(workers, name, 'work'), '--state-dir', join(workers, name, 'state'), '--poll-ms', '50', '--db', url], env);
    const w1 = worker('w1');
    const w2 = worker('w2');
    children.push(w1.proc, w2.proc);
    const run = await runGantry(['run', join(engineDir, 'plan.json'), '--external-workers', '--state-dir', join(engineDir, 'state'), '--db', url], env);
    expect(run.code, run.stdout + run.stderr + w1.out() + w2.out()).toBe(0);
    expect(run.stdout).toContain('run remote-demo: succeeded');
    w1.proc.kill('SIGTERM');
    w2.proc.kill('SIGTERM');
    expect(await w1.done, w1.out()).toBe(0);
    expect(await w2.done, w2.out()).toBe(0);

    // Every task ran on a worker process, and both processes ran some.
    const byTask = await claims(handle.db);
    expect(byTask.size).toBe(6);
    const lastWorker = new Map([...byTask].map(([t, ws]) => [t, ws.at(-1)!]));
    expect(new Set(lastWorker.values())).toEqual(new Set(['remote-demo.agent.w-w1', 'remote-demo.agent.w-w2']));
    // The remote's main holds the merged work, on top of where it started; each file says where its task ran: in
    // the folder of the worker that claimed it.
    const git = (...args: string[]) => execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' }).trim();
    expect(git('merge-base', '--is-ancestor', start0, 'main')).toBe('');
    const files = git('ls-tree', '-r', '--name-only', 'main').split('\n').sort();
    expect(files).toEqual(['README.md', ...workstreams.flatMap((w) => w.tasks.map((t) => `src/${t.id}.txt`))].sort());
    const sandboxed = (await probeSandbox()).ok;
    for (const [task, w] of lastWorker) {
      const [ranIn, seen] = git('show', `main:src/${task.slice('remote-demo.'.length)}.txt`).split('\n');
      expect(ranIn, task).toBe(w.endsWith('w-w1') ? 'w1' : 'w2');
      // In the sandbox the task sees its own clone only: not the decoy, nor the worker's other clones and git dirs.
      if (sandboxed) expect(seen, task).toBe(task.slice('remote-demo.'.length).split('-')[0]);
    }
    expect(git('log', '-1', '--format=%s', 'main')).toMatch(/^Merge workstream ws[01] of run remote-demo \(gantry\)$/);
    // Each attempt's base was named by the engine and each patch records it.
    const patches = await handle.db.selectFrom('patches').select(['id', 'base_commit']).where('run_id', '=', 'remote-demo').execute();
    expect(patches).toHaveLength(6);
    for (const p of patches) expect(p.base_commit, p.id).toMatch(/^[0-9a-f]{40}$/);
    const bases = await handle.db.selectFrom('task_attempt_bases').select(['task_id', 'handed_back_by', 'publish_error']).where('run_id', '=', 'remote-demo').execute();
    expect(bases.every((b) => b.handed_back_by !== null && b.publish_error === null)).toBe(true);

    // No worker wrote into the engine's folders: their clones are in their own folders only.
    const engineFiles = await filesUnder(engineDir);
    expect(engineFiles.filter((f) => /(^|\/)(tree|work)\//.test(f) || f.includes('w1') || f.includes('w2'))).toEqual([]);
    // The workers' clones were in their own folders, and were removed when they left the ended run.
    for (const name of ['w1', 'w2']) {
      expect((await readdir(join(workers, name))).sort(), name).toEqual(['state', 'work']);
      expect(await filesUnder(join(workers, name, 'work')), name).toEqual([]);
    }
    // The engine never read a worker's path: no worker folder is named anywhere in what the engine recorded.
    const recorded = await sql<{ text: string }>`
      SELECT coalesce(string_agg(t::text, E'\n'), '') AS text FROM (
        SELECT row_to_json(s)::text AS t FROM state_transitions s
        UNION ALL SELECT row_to_json(p)::text FROM patches p
        UNION ALL SELECT row_to_json(r)::text FROM run_sources r
        UNION ALL SELECT row_to_json(b)::text FROM task_attempt_bases b) x`.execute(handle.db);
    expect(recorded.rows[0]!.text).not.toContain(workers);
    expect(run.stdout + run.stderr).not.toContain(workers);
    // GANTRY_DEMO=1 prints what the processes said and the remote's history (the closing note of issue 16).
    if (process.env['GANTRY_DEMO']) console.log(['--- demo: gantry run (engine) ---', run.stdout.trim(), '--- worker w1 ---', w1.out().trim(), '--- worker w2 ---', w2.out().trim(), '--- remote main ---', git('log', '--oneline', '--graph', 'main')].join('\n'));
  }, SLOW);

  it('a remote that refuses the engine\'s push: the attempt fails on the worker with the reason, nothing crashes', async () => {
    const { root, bare, engineDir } = await setup();
    // The remote refuses the integration branch of workstream `bad` (as a server denying access would).
    const hook = join(bare, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/gantry/*/bad) echo "denied by policy: $ref" >&2; exit 1;; esac; done\nexit 0\n', { mode: 0o755 });
    const plan = {
      run: { id: 'remote-refused', phase: 'PH-1', remote: bare, target_branch: 'main' },
      workers: { orchestration: [{ id: 'agent', count: 1, capabilities: ['node'] }], heartbeat_interval_sec: 0.5, recovery_timeout_sec: 5 },
      workstreams: [
        { id: 'good', tasks: [{ id: 'g', command: taskCmd('g', 0) }] },
        { id: 'bad', tasks: [{ id: 'b', command: taskCmd('b', 0), max_retries: 0 }] },
      ],
    };
    await writeFile(join(engineDir, 'plan.json'), JSON.stringify(plan, null, 2));
    const { db, url, env } = await database();
    const w1 = startGantry(['worker', '--name', 'w1', '--work-dir', join(root, 'w1', 'work'), '--state-dir', join(root, 'w1', 'state'), '--poll-ms', '50', '--db', url], env);
    children.push(w1.proc);
    const run = await runGantry(['run', join(engineDir, 'plan.json'), '--external-workers', '--state-dir', join(engineDir, 'state'), '--db', url], env);
    w1.proc.kill('SIGTERM');
    expect(await w1.done, w1.out()).toBe(0);
    expect(run.stdout, run.stdout + run.stderr).toContain('run remote-refused: failed');
    const bad = await db.selectFrom('tasks').select(['state', 'last_error']).where('id', '=', 'remote-refused.b').executeTakeFirstOrThrow();
    expect(bad.state).toBe('failed');
    expect(bad.last_error).toContain(`the engine could not push the integration branch to the remote: push of remote ${bare} failed:`);
    expect(bad.last_error).toContain('denied by policy: refs/heads/gantry/remote-refused/bad');
    // The attempt was the worker's to fail (it claimed it), and the other workstream's work reached the remote.
    expect((await claims(db)).get('remote-refused.b')).toEqual(['remote-refused.agent.w-w1']);
    expect(execFileSync('git', ['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'main'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['README.md', 'src/g.txt']);
  }, SLOW);
});
