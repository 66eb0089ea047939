import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PersistedActors } from '../../actors/index.js';
import { judgeHandBack, runPlan } from '../../engine/index.js';
import { joinRun } from '../../engine/join-run.js';
import { runClaimedTask } from '../../engine/run-claimed-task.js';
import { getRunSource, recordAttemptBase, recordHandBack } from '../../persistence/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { taskOutcome, workstreamOutcome } from './attack-fixtures.js';
import { engineSuite, runSandboxPlan, writeCmd, type EngineSandbox } from './engine-fixtures.js';

// Issue 16, the engine's side of `run.remote`: its own clone in the state directory, the integration branches pushed
// so workers elsewhere can fetch them, the merged target pushed back; a remote target that moved outside Gantry is
// never pushed over; a handed-back patch on another base than the one named is refused. Real git, real databases.

/** A bare repository seeded with the sandbox repository's main: the run's remote. */
function bareRemote(box: EngineSandbox): string {
  const bare = join(box.dir, 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', bare]);
  execFileSync('git', ['-C', box.repo, 'push', '--quiet', bare, 'main:main']);
  return bare;
}

/** Runs git on the bare remote directly (to observe it independently of the code under test). */
function onRemote(bare: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' }).trim();
}

describe.each(testDatabases())('run.remote on the engine side (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('works in its own clone, pushes the integration branches and the merged target to the remote', async () => {
    const box = await suite.sandbox();
    const bare = bareRemote(box);
    const start = onRemote(bare, 'rev-parse', 'main');
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'rem', repository: undefined, remote: bare },
      workstreams: [
        { id: 'a', tasks: [{ id: 'a1', command: writeCmd('src/a1.js', 'a1\n') }, { id: 'a2', command: writeCmd('src/a2.js', 'a2\n'), depends_on: ['a1'] }] },
        { id: 'b', tasks: [{ id: 'b1', command: writeCmd('src/b1.js', 'b1\n') }] },
      ],
    });
    expect(status.state).toBe('succeeded');
    // The remote's main has the merged work on top of where it started; the sandbox repository was never touched.
    expect(onRemote(bare, 'ls-tree', '-r', '--name-only', 'main').split('\n').sort()).toEqual(['src/a1.js', 'src/a2.js', 'src/app.js', 'src/b1.js']);
    expect(onRemote(bare, 'merge-base', '--is-ancestor', start, 'main')).toBe('');
    expect(execFileSync('git', ['-C', box.repo, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(start);
    expect(onRemote(bare, 'for-each-ref', '--format=%(refname)', 'refs/heads/gantry/rem/').split('\n').sort()).toEqual(['refs/heads/gantry/rem/a', 'refs/heads/gantry/rem/b']);
    // The engine's clone is in its state directory, at the remote's main.
    const clone = join(box.stateDir, 'remotes', 'rem');
    expect(execFileSync('git', ['-C', clone, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(onRemote(bare, 'rev-parse', 'main'));
    // Every attempt's base was named in the database.
    const bases = await suite.db.db.selectFrom('task_attempt_bases').select(['task_id', 'attempt', 'base_commit', 'publish_error']).where('run_id', '=', 'rem').orderBy('task_id').execute();
    expect(bases.map((b) => [b.task_id, b.attempt, b.publish_error])).toEqual([['rem.a1', 1, null], ['rem.a2', 1, null], ['rem.b1', 1, null]]);
  }, 120_000);

  it('a remote target that moved outside Gantry is not pushed over: the merge fails naming both commits', async () => {
    const box = await suite.sandbox();
    const bare = bareRemote(box);
    const start = onRemote(bare, 'rev-parse', 'main');
    // The task itself moves the remote's main (a person pushing meanwhile): a commit Gantry did not make.
    const push = `git --git-dir=${bare} update-ref refs/heads/main $(git --git-dir=${bare} commit-tree -p main -m outside main^{tree}) && mkdir -p src && echo x > src/x.js`;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'remmoved', repository: undefined, remote: bare },
      sandbox: 'none',
      workstreams: [{ id: 'w', critical: true, tasks: [{ id: 't', command: push, max_retries: 0 }] }],
    });
    const moved = onRemote(bare, 'rev-parse', 'main');
    expect(moved).not.toBe(start);
    expect((await taskOutcome(suite.db, 'remmoved.t')).state).toBe('completed');
    const ws = await workstreamOutcome(suite.db, 'remmoved.w');
    expect(ws.state).toBe('failed');
    expect(ws.reason).toContain(`branch main of remote ${bare} moved outside Gantry: the engine expected it at ${start}, it is now at ${moved}`);
    expect(status.state).toBe('failed');
    expect(onRemote(bare, 'log', '-1', '--format=%s', 'main')).toBe('outside');
  }, 120_000);

  it('a run whose remote cannot be reached is refused at start with the reason', async () => {
    const box = await suite.sandbox();
    const missing = join(box.dir, 'no-such-remote.git');
    await expect(runSandboxPlan(box, suite.db, { run: { id: 'remgone', repository: undefined, remote: missing }, workstreams: [{ id: 'w', tasks: [{ id: 't', command: writeCmd('a.txt', 'a') }] }] })).rejects.toThrow(
      new RegExp(`run remgone: cannot fetch branch 'main' of remote ${missing} into .*: .*does not appear to be a git repository`),
    );
  }, 120_000);

  it('judges a handed-back patch: taken from the database; refused when its base is not the commit the engine named', async () => {
    const box = await suite.sandbox();
    const bare = bareRemote(box);
    await runSandboxPlan(box, suite.db, { run: { id: 'remjudge', repository: undefined, remote: bare }, workstreams: [{ id: 'w', tasks: [{ id: 't', command: writeCmd('src/t.js', 't\n') }] }] });
    const db = suite.db.db;
    const named = 'a'.repeat(40);
    const other = 'b'.repeat(40);
    const diff = 'diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+x\n';
    const at = (attempt: number) => ({ taskId: 'remjudge.t', attempt, ledgerId: `remjudge.t.p${attempt}`, base: named });
    const now = new Date();
    // Not handed back (the engine's own worker ran it): nothing to judge.
    await recordAttemptBase(db, { taskId: 'remjudge.t', attempt: 7, runId: 'remjudge', baseCommit: named, publishError: null }, now);
    expect(await judgeHandBack(db, at(7))).toBeNull();
    // Handed back on the named base: the stored diff, accepted.
    await recordHandBack(db, { taskId: 'remjudge.t', attempt: 7, workerId: 'w1', patch: { id: 'remjudge.t.p7', workstreamId: 'remjudge.w', runId: 'remjudge', diff, files: ['x'], baseCommit: named } }, now);
    expect(await judgeHandBack(db, at(7))).toEqual({ diff, refusal: null });
    // Handed back on another base: refused, naming both commits.
    await recordAttemptBase(db, { taskId: 'remjudge.t', attempt: 8, runId: 'remjudge', baseCommit: named, publishError: null }, now);
    await recordHandBack(db, { taskId: 'remjudge.t', attempt: 8, workerId: 'w2', patch: { id: 'remjudge.t.p8', workstreamId: 'remjudge.w', runId: 'remjudge', diff, files: ['x'], baseCommit: other } }, now);
    expect(await judgeHandBack(db, at(8))).toEqual({ diff, refusal: `base: the patch of w2 was made on ${other}, not on ${named}, the commit the engine named` });
    // The attempt's named base is not where the engine's worktree is: refused too.
    expect((await judgeHandBack(db, { ...at(7), base: other }))?.refusal).toBe(`base: attempt 7 was named base ${named}, but the engine's worktree is at ${other}`);
    // Handed back with no change: an empty diff, no patch row.
    await recordAttemptBase(db, { taskId: 'remjudge.t', attempt: 9, runId: 'remjudge', baseCommit: named, publishError: null }, now);
    await recordHandBack(db, { taskId: 'remjudge.t', attempt: 9, workerId: 'w1', patch: null }, now);
    expect(await judgeHandBack(db, at(9))).toEqual({ diff: '', refusal: null });
  }, 120_000);

  it('the ledger quarantines a patch a worker handed back on another base than the one the engine named', async () => {
    const box = await suite.sandbox();
    const bare = bareRemote(box);
    const file = join(box.dir, 'plan.json');
    await writeFile(file, JSON.stringify({ run: { id: 'remrogue', phase: 'PH-1', remote: bare }, workers: { orchestration: [{ id: 'agent', capabilities: ['node'] }] }, workstreams: [{ id: 'w', tasks: [{ id: 't', command: writeCmd('src/t.js', 't\n'), max_retries: 0 }] }] }));
    const actors = new PersistedActors({ db: suite.db.db });
    // The engine runs no task itself; a rogue worker (this test) claims the task and hands back a patch made elsewhere.
    const engine = runPlan(actors, suite.db.db, await loadPlan(file), { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200, localWorkers: false });
    const db = suite.db.db;
    let named: string | undefined;
    for (let i = 0; i < 600 && named === undefined; i++) {
      named = (await db.selectFrom('task_attempt_bases').select('base_commit').where('task_id', '=', 'remrogue.t').executeTakeFirst())?.base_commit;
      if (named === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(named).toMatch(/^[0-9a-f]{40}$/);
    const joined = (await joinRun(actors, db, (await getRunSource(db, 'remrogue'))!, 'rogue'))!;
    const w = joined.workers[0]!;
    const [claim] = await actors.claim({ workerId: w.id, capabilities: w.pool.capabilities, limit: 1, runId: 'remrogue' });
    expect(claim?.id).toBe('remrogue.t');
    const other = 'c'.repeat(40);
    const diff = 'diff --git a/src/t.js b/src/t.js\nnew file mode 100644\n--- /dev/null\n+++ b/src/t.js\n@@ -0,0 +1 @@\n+t\n';
    const where = await mkdtemp(join(tmpdir(), 'gantry-rogue-'));
    const ok = await runClaimedTask(joined.ctx, w.tasks.get('remrogue.t')!, w.id, where, claim!.version, {
      handBack: async () => {
        await recordHandBack(db, { taskId: 'remrogue.t', attempt: 1, workerId: w.id, patch: { id: 'remrogue.t.p1', workstreamId: 'remrogue.w', runId: 'remrogue', diff, files: ['src/t.js'], baseCommit: other } }, new Date());
        return null;
      },
    });
    await rm(where, { recursive: true, force: true });
    expect(ok).toBe(true);
    const status = await engine;
    expect(status.state).toBe('failed');
    const ledger = await db.selectFrom('patch_ledger_entries').select(['state', 'quarantine_reason']).where('id', '=', 'remrogue.t.p1').executeTakeFirstOrThrow();
    expect(ledger.state).toBe('quarantined');
    expect(ledger.quarantine_reason).toBe(`base: the patch of ${w.id} was made on ${other}, not on ${named}, the commit the engine named`);
    expect((await taskOutcome(suite.db, 'remrogue.t')).error).toContain('patch quarantined: base: ');
    // Nothing of it reached the remote.
    expect(onRemote(bare, 'ls-tree', '-r', '--name-only', 'main')).toBe('src/app.js');
    await actors.close();
  }, 120_000);
});
