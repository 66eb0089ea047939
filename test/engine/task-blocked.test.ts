import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { loadEntity } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { cliDatabase } from '../ops/recovery-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, makeSandbox, runSandboxPlan, slowWriteCmd, writeCmd } from './engine-fixtures.js';

const SLOW = 240_000;

/** A task `down` in its own workstream that depends on task `up` of another workstream (SSOT §8.4). */
function crossPlan(id: string, upCommand: string[]): Record<string, unknown> {
  return {
    run: { id },
    workstreams: [
      { id: 'first', tasks: [{ id: 'up', command: upCommand }] },
      { id: 'second', tasks: [{ id: 'down', depends_on: ['up'], command: writeCmd('src/down.js', '2;\n') }] },
    ],
  };
}

describe.each(testDatabases())('a task waiting for its dependencies is blocked (SSOT §1.4, §3.1 rule 2) on %s', (kind) => {
  const suite = engineSuite(kind);

  it('blocked while its dependency runs (blocked_by recorded), back to pending once it completed, then runs', async () => {
    const box = await suite.sandbox();
    const { status } = await runSandboxPlan(box, suite.db, crossPlan('blk', slowWriteCmd('src/up.js', '1;\n', 1500)));
    expect(status.state).toBe('succeeded');
    const actors = new PersistedActors({ db: suite.db.db });
    const history = await actors.history('task', 'blk.down');
    expect(history.map((r) => r.trigger)).toEqual([
      'create', 'dependency_check_failed', 'dependency_satisfied', 'scheduler_assigned', 'worker_started', 'execution_completed', 'validation_passed',
    ]);
    const blocked = history[1]!;
    expect([blocked.fromState, blocked.toState]).toEqual(['pending', 'blocked']);
    expect(blocked.reason).toMatch(/blk\.up (pending|queued|running)/);
    expect((history[2]!.metadata['event'] as { dependencies: Record<string, string> }).dependencies).toEqual({ 'blk.up': 'completed' });
    await actors.close();
  }, SLOW);

  it('a blocked task of a stopped run, unblocked by `gantry override unblock-task`, runs when the run is resumed', async () => {
    const cli = await cliDatabase(kind);
    const box = await makeSandbox();
    try {
      const go = join(box.dir, 'go');
      const plan = { ...crossPlan('ovr', ['sh', '-c', `while [ ! -e '${go}' ]; do sleep 0.05; done; echo 1 > src/up.js`]), run: { id: 'ovr', phase: 'PH-1', repository: box.repo, target_branch: 'main' }, sandbox: 'none' };
      await writeFile(join(box.dir, 'plan.json'), JSON.stringify(plan));
      const { args, env } = cli.invocation();
      // Run until `down` is blocked, then Ctrl-C: the engine stops after the current step (`up` finishes once released).
      const stopped = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [GANTRY_BIN, 'run', join(box.dir, 'plan.json'), ...args], { cwd: ROOT, env });
        let stdout = '';
        let sent = false;
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (!sent && /ovr\.down: pending → blocked \(dependency_check_failed\)/.test(stdout)) {
            sent = true;
            child.kill('SIGINT');
            void writeFile(go, '');
          }
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout }));
      });
      expect(stopped.code, stopped.stdout).toBe(1);
      expect(await cli.use(async (h) => (await loadEntity(h.db, 'task', 'ovr.down'))?.state)).toBe('blocked');
      const added = await cli.gantry('operator', 'add', 'ops-1', '--json');
      expect(added.code, added.stderr).toBe(0);
      const token = JSON.parse(added.stdout).token as string;
      const unblock = await cli.gantry('override', 'unblock-task', 'ovr.down', '--reason', 'dependency checked by hand', '--operator', 'ops-1', '--token', token);
      expect(unblock.code, unblock.stderr).toBe(0);
      expect(await cli.use(async (h) => (await loadEntity(h.db, 'task', 'ovr.down'))?.state)).toBe('pending');
      const resumed = await cli.gantry('resume', 'ovr');
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('run ovr: succeeded');
      const triggers = await cli.use(async (h) => {
        const actors = new PersistedActors({ db: h.db });
        const rows = await actors.history('task', 'ovr.down');
        await actors.close();
        return rows.map((r) => `${r.trigger}${r.operator ? ` by ${r.operator}` : ''}`);
      });
      expect(triggers).toEqual(['create', 'dependency_check_failed', 'unblock-task by ops-1', 'scheduler_assigned', 'worker_started', 'execution_completed', 'validation_passed']);
    } finally {
      await cli.cleanup();
      await box.cleanup();
    }
  }, SLOW);
});
