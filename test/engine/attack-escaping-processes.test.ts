import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { taggedPids } from '../../exec/index.js';
import { runGit } from '../../git/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, type EngineSandbox } from './engine-fixtures.js';

// Attack (issue 11): a task starts a setsid child and a double-forked child that write into the worktree after the
// task exited; before the fix they outlived the attempt and their file was committed in the NEXT task's patch.
const escape = (mode: string): string => [
  `echo a > a-${mode}.txt`,
  "setsid sh -c 'sleep 1.37; echo x > sneaked.txt' &",
  "(sh -c 'sleep 1.38; echo y > sneaked2.txt' &)",
  'exit 0',
].join('\n');

/** Pids of live processes whose command line matches `pattern` (pgrep -f), none when there are none. */
function pidsOf(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.each(testDatabases())('attack: processes that outlive their task (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox();
  });

  it.each(['auto', 'none'] as const)('sandbox %s: no process outlives the attempt, nothing it wrote later reaches a patch or main', async (mode) => {
    const run = `esc-${mode}`;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: run },
      sandbox: mode,
      workstreams: [
        {
          id: 'ws',
          tasks: [
            { id: 'escape', command: escape(mode) },
            // Runs in the same worktree while the escaped children would still be writing.
            { id: 'later', command: `sleep 2; echo b > b-${mode}.txt`, depends_on: ['escape'] },
          ],
        },
      ],
    });
    expect(status.state).toBe('succeeded');
    expect(await taggedPids({ prefix: `${run}/` })).toEqual([]);
    expect(pidsOf('sleep 1.3[78]')).toEqual([]);
    await sleep(1500); // had a child survived, it would have written by now
    const patches = await suite.db.db.selectFrom('patches').select(['id', 'diff']).where('run_id', '=', run).orderBy('id').execute();
    // One patch per task (an attempt lost to a loaded machine's missed heartbeat may make it `p2`).
    expect([...new Set(patches.map((p) => p.id.replace(/\.p\d+$/, '')))]).toEqual([`${run}.escape`, `${run}.later`]);
    for (const p of patches) expect(p.diff).not.toMatch(/sneaked/);
    const main = (await runGit(box.repo, ['ls-tree', '-r', '--name-only', 'main'])).stdout;
    expect(main).toContain(`a-${mode}.txt`);
    expect(main).toContain(`b-${mode}.txt`);
    expect(main).not.toMatch(/sneaked/);
  }, 120_000);
});
