import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../support/test-database.js';
import { mainHead, taskOutcome } from './attack-fixtures.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// Issue 11: a task that pointed its worktree's `.git` file at the main git dir made Gantry's own `git reset --hard`
// move `main`. Gantry now addresses each worktree by the git dir it recorded (GIT_DIR/GIT_WORK_TREE/GIT_COMMON_DIR),
// puts back what the task changed and fails the task with the reason.
describe.each(testDatabases())('attack: a task redirects its worktree\'s git metadata (%s)', (kind) => {
  const suite = engineSuite(kind);
  let runNo = 0;

  // Task `a` commits first, so the integration branch is ahead of main: a reset through a redirected `.git` would
  // move main onto it (and a redirected commit would land on main).
  for (const [name, tamper, reason] of [
    ['its .git file pointed at the main git dir', (repo: string) => `printf 'gitdir: ${repo}/.git\\n' > .git`, /its \.git file points at ".*\/repo\/\.git", not at /],
    ['its .git file replaced by a symlink to the main git dir', (repo: string) => `rm .git && ln -s ${repo}/.git .git`, /its \.git is a symbolic link/],
    ['its .git file removed', () => 'rm .git', /its \.git file is missing/],
    ['its HEAD pointed at main', () => 'git symbolic-ref HEAD refs/heads/main', /^the task changed git metadata Gantry uses \(put back\): \.git\/worktrees\/w\/HEAD$/],
  ] as const) {
    // Exiting 1 takes the other path (no validation: the attempt is undone by a reset); once is enough.
    for (const exit of name.startsWith('its .git file pointed') ? [0, 1] : [0]) {
      it(`${name}, the task exiting ${exit}: main does not move, the task fails${exit === 0 ? ' with the reason' : ''}`, async () => {
        const box = await suite.sandbox();
        const head = await mainHead(box);
        const run = `wt${(runNo += 1)}`;
        const { status } = await runSandboxPlan(box, suite.db, {
          run: { id: run },
          sandbox: 'none',
          workstreams: [{
            id: 'w',
            tasks: [
              { id: 'a', command: writeCmd('src/a.js', 'export const a = 1;\n'), max_retries: 0 },
              { id: 'b', command: `echo 'export const b = 1;' > src/b.js && ${tamper(box.repo)} && exit ${exit}`, max_retries: 0, depends_on: ['a'] },
            ],
          }],
        });
        expect(status.state).toBe('failed');
        expect(await mainHead(box)).toBe(head);
        const b = await taskOutcome(suite.db, `${run}.b`);
        expect(b.state).toBe('failed');
        if (exit === 0) expect(b.error).toMatch(reason);
        else expect(b.error).toMatch(/exit code 1/);
        // The worktree's metadata is Gantry's again (the workstream failed, so its worktree was archived or kept).
        expect(await readFile(join(box.repo, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
      }, 120_000);
    }
  }
});
