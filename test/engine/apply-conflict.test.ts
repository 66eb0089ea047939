import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { driveRun, startRun } from '../../engine/index.js';
import { executeTask } from '../../engine/execute-task.js';
import { continueValidation, createLedger } from '../../engine/validate-task.js';
import { runGit } from '../../git/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, writeCmd, type EngineSandbox } from './engine-fixtures.js';

/** The unified diff real git makes for `file` rewritten to `content` on the repository's `main`, the file then restored. */
async function diffOnMain(repo: string, file: string, content: string): Promise<string> {
  await writeFile(join(repo, file), content);
  const diff = (await runGit(repo, ['diff', '--', file])).stdout;
  await runGit(repo, ['checkout', '--', file]);
  return diff;
}

describe.each(testDatabases())('apply conflict on the integration branch (SSOT §2.2, EXT-3) (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox();
  });

  it('a patch made before another one changed the same line: apply_failed, retried up to 3 attempts, then quarantined', async () => {
    const file = join(box.dir, 'plan.json');
    await writeFile(
      file,
      JSON.stringify({
        retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
        run: { id: 'conf', phase: 'PH-1', repository: './repo', target_branch: 'main' },
        workstreams: [
          {
            id: 'w',
            tasks: [
              { id: 'a', command: writeCmd('src/app.js', 'export const x = "A";\n') },
              { id: 'b', command: writeCmd('src/app.js', 'export const x = "B";\n') },
            ],
          },
        ],
      }),
    );
    const plan = await loadPlan(file);
    const actors = new PersistedActors({ db: suite.db.db });
    const ctx = await startRun(actors, suite.db.db, plan, { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 });
    // Task a runs for real: its patch is applied and committed on the integration branch gantry/conf/w.
    expect(await executeTask(ctx, plan.tasks[0]!)).toBe('completed');
    const wt = ctx.worktrees.get('w')!;
    expect(await readFile(join(wt, 'src/app.js'), 'utf8')).toBe('export const x = "A";\n');

    // Task b changed the same line starting from main, before a's commit: its patch passed its checks there, and
    // now meets the integration branch with a's change on it.
    const taskB = plan.tasks[1]!;
    await actors.send('task', 'conf.b', { type: 'scheduler_assigned', dependencies: {}, gates: {} });
    const claimed = await actors.claim({ workerId: 'conf.agent-1', capabilities: [], limit: 1, runId: 'conf', workstreamIds: ['conf.w'] });
    expect(claimed.map((c) => c.id)).toEqual(['conf.b']);
    await actors.send('task', 'conf.b', { type: 'execution_completed', exit_code: 0 });
    const diff = await diffOnMain(box.repo, 'src/app.js', 'export const x = "B";\n');
    await createLedger(ctx, taskB, 'conf.b.p1', diff);
    await actors.send('patch_ledger', 'conf.b.p1', { type: 'validation_passed', format: true, scope: true, constraints: true });
    await actors.send('patch_ledger', 'conf.b.p1', { type: 'accepted', policy_allowed: true });

    expect(await continueValidation(ctx, taskB, wt, 'conf.b.p1', diff, 1)).toBe('failed');
    expect((await actors.history('patch_ledger', 'conf.b.p1')).map((r) => r.trigger)).toEqual([
      'create', 'validation_passed', 'accepted',
      'apply_failed', 'retry_apply', 'apply_failed', 'retry_apply', 'apply_failed',
      'auto_quarantine',
    ]);
    const ledger = await actors.load('patch_ledger', 'conf.b.p1');
    expect(ledger.state).toBe('quarantined');
    expect(ledger.context['apply_attempts']).toBe(3);
    expect(ledger.context['quarantine_reason']).toMatch(/^git apply failed 3 times: /);
    const task = await actors.load('task', 'conf.b');
    expect(task.state).toBe('failed');
    expect(task.context['last_error']).toBe('patch quarantined: git apply failed');
    // a's commit stands; nothing of b reached the branch.
    expect((await runGit(box.repo, ['show', 'gantry/conf/w:src/app.js'])).stdout).toBe('export const x = "A";\n');

    // The run goes on to its outcome: the quarantined entry fails the workstream (SSOT §3.2), nothing is merged.
    const status = await driveRun(ctx);
    expect(status.workstreams).toEqual([{ id: 'conf.w', state: 'failed', parent: null }]);
    expect(status.state).toBe('failed');
    expect((await runGit(box.repo, ['show', 'main:src/app.js'])).stdout).toBe('export const x = 1;\n');
    await actors.close();
  });
});
