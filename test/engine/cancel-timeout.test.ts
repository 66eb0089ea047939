import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { runPlan } from '../../engine/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

/** A folder beside the repository that sandboxed tasks may write their markers into (the plan lists it in `read_write`). */
async function marksDir(dir: string): Promise<string> {
  const marks = join(dir, 'marks');
  await mkdir(marks, { recursive: true });
  return marks;
}

/** Whether process `pid` still runs: it exists and is not a zombie (killed, waiting for PID 1 to reap it). */
async function alive(pid: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  return !/^\d+ \(.*\) [ZX] /.test(stat);
}

/** Whether `pid` has stopped running within a grace of ~5 s (a SIGKILL is delivered asynchronously). */
async function stops(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!(await alive(pid))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe.each(testDatabases())('user cancel and timeouts (%s)', (kind) => {
  const suite = engineSuite(kind);
  const sandbox = suite.sandbox;

  it('a timed-out task has its whole process tree killed (children and grandchildren), then takes timeout_exceeded', async () => {
    const box = await sandbox();
    const pids = join(box.dir, 'pids');
    // The shell starts a child and a grandchild (in a subshell) that would each sleep 60 s, and records their pids.
    const command = `sleep 60 & echo $! >> ${pids}; (sleep 60 & echo $! >> ${pids}; wait) & wait`;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'tree' },
      // Unsandboxed: the recorded pids must be the host's (in the sandbox's PID namespace they would be its own).
      sandbox: 'none',
      workstreams: [{ id: 'w', tasks: [{ id: 'hang', tool: 'sh', command, timeout_sec: 1, max_retries: 0 }] }],
    });
    expect(status.state).toBe('failed');
    const actors = new PersistedActors({ db: suite.db.db });
    const history = (await actors.history('task', 'tree.hang')).map((r) => r.trigger);
    expect(history).toEqual(['create', 'scheduler_assigned', 'worker_started', 'timeout_exceeded']);
    const recorded = (await readFile(pids, 'utf8')).trim().split('\n').map(Number);
    expect(recorded).toHaveLength(2);
    for (const pid of recorded) expect(await stops(pid), `pid ${pid} outlived the timeout`).toBe(true);
    await actors.close();
  });

  it('a pending task the user cancels (user_cancelled, EXT-2) never runs; its dependent is cancelled, its workstream too', async () => {
    const box = await sandbox();
    const file = join(box.dir, 'plan.json');
    const marker = join(await marksDir(box.dir), 'ran-second');
    await writeFile(
      file,
      JSON.stringify({
        retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
        run: { id: 'ucancel', phase: 'PH-1', repository: './repo', target_branch: 'main' },
        sandbox: { read_write: [join(box.dir, 'marks')] },
        workstreams: [
          {
            id: 'w',
            tasks: [
              { id: 'first', tool: 'sh', command: `sleep 2; echo 1 > src/first.js` },
              { id: 'second', tool: 'sh', command: `touch ${marker}; echo 2 > src/second.js` },
              { id: 'third', command: writeCmd('src/third.js', '3;\n'), depends_on: ['second'] },
            ],
          },
          { id: 'other', tasks: [{ id: 'o', command: writeCmd('src/o.js', '4;\n') }] },
        ],
      }),
    );
    const plan = await loadPlan(file);
    const engine = new PersistedActors({ db: suite.db.db });
    const run = runPlan(engine, suite.db.db, plan, { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 });
    // Another client (as `gantry entity send` does) cancels `second` while `first` is still running.
    const user = new PersistedActors({ db: suite.db.db });
    const stateOf = async (id: string): Promise<string | null> => (await suite.db.db.selectFrom('tasks').select('state').where('id', '=', id).executeTakeFirst())?.state ?? null;
    for (let i = 0; i < 1000 && (await stateOf('ucancel.first')) !== 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await stateOf('ucancel.first')).toBe('running');
    expect((await user.load('task', 'ucancel.second')).state).toBe('pending');
    await user.send('task', 'ucancel.second', { type: 'user_cancelled', reason: 'not wanted' }, { operator: 'tester', reason: 'not wanted' });
    const status = await run;
    await engine.close();
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.state]))).toEqual({
      'ucancel.first': 'completed',
      'ucancel.second': 'cancelled',
      'ucancel.third': 'cancelled',
      'ucancel.o': 'completed',
    });
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
    expect((await user.history('task', 'ucancel.third')).at(-1)!.trigger).toBe('dependency_failed');
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({ 'ucancel.w': 'cancelled', 'ucancel.other': 'completed' });
    expect(status.state).toBe('failed'); // all settled, not all completed
    await user.close();
  });

  it('a queued task the user cancels (EXT-2) is never claimed: it waited for the only worker, busy elsewhere', async () => {
    // Two symmetric tasks in two workstreams and one worker of capacity 1: whichever the scheduler starts first, the
    // other is assigned (queued) and waits. The dispatch order is not part of the contract, so the test cancels the
    // one that is queued, whichever it is.
    const box = await sandbox();
    const file = join(box.dir, 'plan-queued.json');
    const marks = await marksDir(box.dir);
    const marker = (name: string): string => join(marks, `ran-${name}`);
    await writeFile(
      file,
      JSON.stringify({
        retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
        run: { id: 'qcancel', phase: 'PH-1', repository: './repo', target_branch: 'main' },
        sandbox: { read_write: [marks] },
        workers: { orchestration: [{ id: 'solo', count: 1 }] },
        workstreams: [
          { id: 'a', tasks: [{ id: 'one', tool: 'sh', command: `touch ${marker('one')}; sleep 3; echo 1 > src/one.js` }] },
          { id: 'b', tasks: [{ id: 'two', tool: 'sh', command: `touch ${marker('two')}; sleep 3; echo 2 > src/two.js` }] },
        ],
      }),
    );
    const plan = await loadPlan(file);
    const engine = new PersistedActors({ db: suite.db.db });
    const run = runPlan(engine, suite.db.db, plan, { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 });
    const user = new PersistedActors({ db: suite.db.db });
    const states = async (): Promise<Record<string, string>> =>
      Object.fromEntries((await suite.db.db.selectFrom('tasks').select(['id', 'state']).where('id', 'in', ['qcancel.one', 'qcancel.two']).execute()).map((t) => [t.id, t.state]));
    const split = (s: Record<string, string>): { running: string; queued: string } | null => {
      const ids = Object.keys(s);
      const running = ids.find((id) => s[id] === 'running');
      const queued = ids.find((id) => s[id] === 'queued');
      return running && queued ? { running, queued } : null;
    };
    let seen: { running: string; queued: string } | null = null;
    for (let i = 0; i < 2000 && !seen; i++) {
      seen = split(await states());
      if (!seen) await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen, `never saw one task running and the other queued; last states ${JSON.stringify(await states())}`).not.toBeNull();
    const { running, queued } = seen!;
    await user.send('task', queued, { type: 'user_cancelled', reason: 'not wanted' }, { operator: 'tester', reason: 'not wanted' });
    const status = await run;
    await engine.close();
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.state]))).toEqual({ [running]: 'completed', [queued]: 'cancelled' });
    expect((await user.history('task', queued)).map((r) => r.trigger)).toEqual(['create', 'scheduler_assigned', 'user_cancelled']);
    await expect(readFile(marker(queued.slice('qcancel.'.length)))).rejects.toThrow(/ENOENT/);
    await expect(readFile(marker(running.slice('qcancel.'.length)))).resolves.toBeDefined();
    const wsOf = (taskId: string): string => (taskId === 'qcancel.one' ? 'qcancel.a' : 'qcancel.b');
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({ [wsOf(running)]: 'completed', [wsOf(queued)]: 'cancelled' });
    await user.close();
  });

  it('a blocked workstream the user cancels (EXT-1) never runs: its tasks are cancelled, the rest of the run goes on', async () => {
    const box = await sandbox();
    const file = join(box.dir, 'plan-ws.json');
    const marker = join(await marksDir(box.dir), 'ran-later');
    await writeFile(
      file,
      JSON.stringify({
        retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
        run: { id: 'wcancel', phase: 'PH-1', repository: './repo', target_branch: 'main' },
        sandbox: { read_write: [join(box.dir, 'marks')] },
        workstreams: [
          { id: 'core', tasks: [{ id: 'c', tool: 'sh', command: 'sleep 2; echo 1 > src/c.js' }] },
          { id: 'later', depends_on: ['core'], tasks: [{ id: 'l', tool: 'sh', command: `touch ${marker}; echo 2 > src/l.js` }] },
        ],
      }),
    );
    const plan = await loadPlan(file);
    const engine = new PersistedActors({ db: suite.db.db });
    const run = runPlan(engine, suite.db.db, plan, { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 });
    const user = new PersistedActors({ db: suite.db.db });
    const stateOf = async (id: string): Promise<string | null> => (await suite.db.db.selectFrom('tasks').select('state').where('id', '=', id).executeTakeFirst())?.state ?? null;
    for (let i = 0; i < 1000 && (await stateOf('wcancel.c')) !== 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await user.load('workstream', 'wcancel.later')).state).toBe('blocked');
    await user.send('workstream', 'wcancel.later', { type: 'cancel', reason: 'not this time' }, { operator: 'tester', reason: 'not this time' });
    const status = await run;
    await engine.close();
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({ 'wcancel.core': 'completed', 'wcancel.later': 'cancelled' });
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.state]))).toEqual({ 'wcancel.c': 'completed', 'wcancel.l': 'cancelled' });
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
    expect(status.state).toBe('failed');
    await user.close();
  });
});
