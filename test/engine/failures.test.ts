import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors, replayAudit, verifyAudit } from '../../actors/index.js';
import { runGit } from '../../git/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

async function mainTree(repo: string): Promise<string[]> {
  return (await runGit(repo, ['ls-tree', '-r', '--name-only', 'main'])).stdout.trim().split('\n');
}

describe.each(testDatabases())('engine failures (%s)', (kind) => {
  const suite = engineSuite(kind);
  const sandbox = suite.sandbox;

  it('retries a failing critical task up to max_retries, then fails it, its workstream, its dependents and the run', async () => {
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'retry-fail' },
      workstreams: [
        {
          id: 'core',
          critical: true,
          tasks: [
            { id: 'ok', command: writeCmd('src/ok.js', '1;\n') },
            { id: 'flaky', command: ['node', '-e', 'process.exit(3)'], max_retries: 2, critical: true },
            { id: 'after', command: writeCmd('src/after.js', '2;\n'), depends_on: ['flaky'] },
          ],
        },
        { id: 'later', depends_on: ['core'], tasks: [{ id: 'never', command: ['node', '-e', '0'] }] },
      ],
    });
    expect(status.state).toBe('failed');
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.state]))).toEqual({
      'retry-fail.ok': 'completed',
      'retry-fail.flaky': 'failed',
      'retry-fail.after': 'cancelled',
      'retry-fail.never': 'cancelled',
    });
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({ 'retry-fail.core': 'failed', 'retry-fail.later': 'cancelled' });
    const actors = new PersistedActors({ db: suite.db.db });
    const triggers = (await actors.history('task', 'retry-fail.flaky')).map((r) => r.trigger);
    expect(triggers).toEqual([
      'create', 'scheduler_assigned',
      'worker_started', 'execution_failed', 'retry_delay_elapsed',
      'worker_started', 'execution_failed', 'retry_delay_elapsed',
      'worker_started', 'execution_failed',
    ]);
    const flaky = await actors.load('task', 'retry-fail.flaky');
    expect(flaky.context['retry_count']).toBe(2);
    expect(flaky.context['last_error']).toMatch(/exit code 3/);
    expect((await actors.history('task', 'retry-fail.after')).at(-1)!.trigger).toBe('dependency_failed');
    expect((await actors.history('workstream', 'retry-fail.later')).at(-1)!.trigger).toBe('dependency_failed');
    expect((await actors.history('run', 'retry-fail')).at(-1)!.trigger).toBe('critical_workstream_failed');
    // The breaker saw four calls: one success, three failures (below the default threshold of 5: still CLOSED).
    const breaker = await actors.load('circuit_breaker', 'retry-fail.node');
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.context['failure_count']).toBe(3);
    // Nothing reached the target branch; the failed workstream is archived with its branch.
    expect(await mainTree(box.repo)).toEqual(['src/app.js']);
    const archive = JSON.parse(await readFile(join(box.stateDir, 'archive', 'retry-fail', 'core.json'), 'utf8')) as { archive_ref: string; tasks: unknown[] };
    expect(archive.tasks).toHaveLength(3);
    expect(archive.archive_ref).toBe('refs/gantry/archive/gantry/retry-fail/core');
    expect((await runGit(box.repo, ['show', `${archive.archive_ref}:src/ok.js`])).stdout).toBe('1;\n');
    await actors.close();
  });

  it('a task that fails once succeeds on retry; an OPEN breaker makes it wait for the cooldown, then half-opens and closes', async () => {
    const box = await sandbox();
    await mkdir(join(box.dir, 'marks'));
    const marker = join(box.dir, 'marks', 'tried-once');
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'retry-ok' },
      sandbox: { read_write: [join(box.dir, 'marks')] },
      circuit_breakers: { tools: { sh: { failure_threshold: 1, cooldown_seconds: 0.05 } } },
      workstreams: [
        {
          id: 'core',
          tasks: [{ id: 'once', tool: 'sh', command: 'if [ -f "$MARK" ]; then echo fixed > src/fixed.js; else touch "$MARK"; exit 1; fi', env: { MARK: marker } }],
        },
      ],
    });
    expect(status.state).toBe('succeeded');
    expect(await mainTree(box.repo)).toEqual(['src/app.js', 'src/fixed.js']);
    const actors = new PersistedActors({ db: suite.db.db });
    expect((await actors.history('task', 'retry-ok.once')).map((r) => r.trigger)).toEqual([
      'create', 'scheduler_assigned', 'worker_started', 'execution_failed', 'retry_delay_elapsed', 'worker_started', 'execution_completed', 'validation_passed',
    ]);
    expect((await actors.history('circuit_breaker', 'retry-ok.sh')).map((r) => `${r.trigger}:${r.toState}`)).toEqual([
      'create:CLOSED', 'call_failed:OPEN', 'cooldown_elapsed:HALF_OPEN', 'call_succeeded:CLOSED',
    ]);
    await actors.close();
  });

  it('quarantines a patch touching a forbidden path: its non-critical workstream fails, the other merges, the run fails by R-1', async () => {
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'quar' },
      patch_rules: { allowed_paths: ['src/**'], forbidden: ['**/*.pem'] },
      workstreams: [
        { id: 'good', critical: true, tasks: [{ id: 'feature', command: writeCmd('src/feature.js', 'ok;\n') }] },
        { id: 'bad', tasks: [{ id: 'leak', command: writeCmd('src/key.pem', 'SECRET\n') }, { id: 'more', command: writeCmd('src/more.js', 'm;\n') }] },
      ],
    });
    expect(status.state).toBe('failed');
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({ 'quar.good': 'completed', 'quar.bad': 'failed' });
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.state]))).toEqual({ 'quar.feature': 'completed', 'quar.leak': 'failed', 'quar.more': 'cancelled' });
    expect(status.patches.map((p) => [p.id, p.state])).toEqual([['quar.feature.p1', 'committed'], ['quar.leak.p1', 'quarantined']]);
    const row = await suite.db.db.selectFrom('patch_ledger_entries').select(['quarantine_reason', 'validation_constraints']).where('id', '=', 'quar.leak.p1').executeTakeFirstOrThrow();
    expect(row.quarantine_reason).toMatch(/key\.pem/);
    expect(row.validation_constraints).toBe(false);
    const actors = new PersistedActors({ db: suite.db.db });
    expect((await actors.history('workstream', 'quar.bad')).at(-1)!.trigger).toBe('patch_quarantined');
    expect((await actors.history('run', 'quar')).at(-1)!.trigger).toBe('workstreams_settled');
    expect(await mainTree(box.repo)).toEqual(['src/app.js', 'src/feature.js']);
    await actors.close();
  });

  it('a failing gate blocks its dependent gate, quarantines the patch and fails the task', async () => {
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'gatefail' },
      workstreams: [
        {
          id: 'core',
          gates: [
            { id: 'lint', type: 'LINT', command: ['node', '-e', 'process.exit(1)'] },
            { id: 'unit', type: 'UNIT', command: ['node', '-e', '0'], depends_on: ['lint'] },
          ],
          tasks: [{ id: 'change', command: writeCmd('src/c.js', 'c;\n'), gates: ['lint', 'unit'], critical: true }],
        },
      ],
    });
    expect(status.state).toBe('failed');
    expect(status.gates.map((g) => [g.id, g.state])).toEqual([['gatefail.change.lint.a1', 'FAILED'], ['gatefail.change.unit.a1', 'BLOCKED']]);
    expect(status.patches.map((p) => p.state)).toEqual(['quarantined']);
    expect(status.tasks.map((t) => t.state)).toEqual(['failed']);
    expect(await mainTree(box.repo)).toEqual(['src/app.js']);
  });

  it('a task past its timeout_sec is killed and takes timeout_exceeded (R-4: retried while retries remain, then failed)', async () => {
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'slow' },
      workstreams: [{ id: 'core', tasks: [{ id: 'hang', tool: 'sh', command: 'echo partial > src/partial.js; sleep 30', timeout_sec: 1, max_retries: 1 }] }],
    });
    expect(status.state).toBe('failed');
    const actors = new PersistedActors({ db: suite.db.db });
    expect((await actors.history('task', 'slow.hang')).map((r) => r.trigger)).toEqual([
      'create', 'scheduler_assigned', 'worker_started', 'timeout_exceeded', 'retry_delay_elapsed', 'worker_started', 'timeout_exceeded',
    ]);
    const hang = await actors.load('task', 'slow.hang');
    expect(hang.state).toBe('failed');
    expect(hang.context['timeout_occurred']).toBe(true);
    expect(status.patches).toEqual([]);
    expect(await mainTree(box.repo)).toEqual(['src/app.js']);
    await actors.close();
  });

  it('keeps the audit verifiable and replayable after all of the above', async () => {
    expect((await verifyAudit(suite.db.db)).ok).toBe(true);
    expect((await replayAudit(suite.db.db)).mismatches).toEqual([]);
  });
});
