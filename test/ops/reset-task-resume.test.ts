import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { runGit } from '../../git/index.js';
import { loadEntity } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { makeSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { cliDatabase } from './recovery-fixtures.js';

const SLOW = 300_000;

describe.each(testDatabases())('override reset-task of an ended task, then resume (SSOT §5.2, §8.2.3) on %s', (kind) => {
  it('the new -r1 task the reset created is the one `gantry resume` runs: it completes and the run succeeds', async () => {
    const cli = await cliDatabase(kind);
    const box = await makeSandbox();
    try {
      const go = join(box.dir, 'go');
      const fixed = join(box.dir, 'fixed');
      await writeFile(join(box.dir, 'plan.json'), JSON.stringify({
        run: { id: 'rst', phase: 'PH-1', repository: box.repo, target_branch: 'main' },
        sandbox: 'none', // the task waits for files the test writes beside the repository
        workstreams: [
          {
            id: 'core',
            tasks: [
              // Fails until the operator fixed what it needs; no retries of its own.
              { id: 'fix', max_retries: 0, command: ['sh', '-c', `test -e '${fixed}' && echo 1 > src/fix.js`] },
              { id: 'after', depends_on: ['slow'], command: ['sh', '-c', 'echo 2 > src/after.js'] },
            ],
          },
          { id: 'side', tasks: [{ id: 'slow', command: ['sh', '-c', `while [ ! -e '${go}' ]; do sleep 0.05; done; echo 3 > src/slow.js`] }] },
        ],
      }));
      const { args, env } = cli.invocation();
      // Stop the run (Ctrl-C) once `fix` failed: its workstream is still executing, the run resumable.
      const stopped = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [GANTRY_BIN, 'run', join(box.dir, 'plan.json'), ...args], { cwd: ROOT, env });
        let stdout = '';
        let sent = false;
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (!sent && /rst\.fix: running → failed/.test(stdout)) {
            sent = true;
            child.kill('SIGINT');
            void writeFile(go, '');
          }
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout }));
      });
      expect(stopped.code, stopped.stdout).toBe(1);
      const state = (type: string, id: string) => cli.use(async (h) => (await loadEntity(h.db, type, id))?.state);
      expect([await state('run', 'rst'), await state('task', 'rst.fix'), await state('workstream', 'rst.core')]).toEqual(['running', 'failed', 'executing']);
      const token = JSON.parse((await cli.gantry('operator', 'add', 'ops-1', '--json')).stdout).token as string;
      const reset = await cli.gantry('override', 'reset-task', 'rst.fix', '--reason', 'its input is fixed', '--operator', 'ops-1', '--token', token, '--json');
      expect(reset.code, reset.stderr).toBe(0);
      expect(JSON.parse(reset.stdout).created_id).toBe('rst.fix-r1');
      await writeFile(fixed, '');
      const resumed = await cli.gantry('resume', 'rst');
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('run rst: succeeded');
      expect([await state('task', 'rst.fix'), await state('task', 'rst.fix-r1'), await state('workstream', 'rst.core')]).toEqual(['failed', 'completed', 'completed']);
      const history = await cli.use(async (h) => {
        const actors = new PersistedActors({ db: h.db });
        const rows = await actors.history('task', 'rst.fix-r1');
        await actors.close();
        return rows.map((r) => r.trigger);
      });
      expect(history).toEqual(['create', 'scheduler_assigned', 'worker_started', 'execution_completed', 'validation_passed']);
      expect(await state('patch_ledger', 'rst.fix-r1.p1')).toBe('committed');
      const tree = (await runGit(box.repo, ['ls-tree', '-r', '--name-only', 'main'])).stdout.trim().split('\n');
      expect(tree).toEqual(['src/after.js', 'src/app.js', 'src/fix.js', 'src/slow.js']);
    } finally {
      await cli.cleanup();
      await box.cleanup();
    }
  }, SLOW);
});
