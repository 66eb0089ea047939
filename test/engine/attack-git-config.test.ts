import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGit, setGitTimeoutMs } from '../../git/index.js';
import { testDatabases } from '../support/test-database.js';
import { exists, mainFiles, marker, taskOutcome } from './attack-fixtures.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// Issue 11: filter/textconv drivers a task wrote into the shared .git/config (or .git/info/attributes) ran inside
// Gantry's own git; `clean = sleep 100007` hung the engine in `git add --all`. Now Gantry's git disarms every driver a
// configuration names, and a task that changes the git metadata fails, the metadata put back.
describe.each(testDatabases())('attack: git drivers planted in the shared git config (%s)', (kind) => {
  const suite = engineSuite(kind);
  afterEach(() => setGitTimeoutMs(null));

  it('a task planting filter/textconv/merge drivers and attributes fails with the reason; nothing runs, nothing reaches main', async () => {
    const box = await suite.sandbox();
    const m = (n: string) => marker(box, n);
    const plant = [
      `git config filter.x.clean 'touch ${m('clean')}; cat'`,
      `git config filter.x.smudge 'touch ${m('smudge')}; cat'`,
      `git config filter.x.process 'touch ${m('process')}'`,
      `git config diff.x.textconv 'touch ${m('textconv')}; cat'`,
      `git config merge.x.driver 'touch ${m('merge')}; false'`,
      `printf '* filter=x diff=x merge=x\\n' > "$(git rev-parse --git-common-dir)/info/attributes"`,
      `printf '* filter=x diff=x merge=x\\n' > .gitattributes`,
      `echo 'export const y = 2;' > src/app.js`,
    ].join(' && ');
    const before = await readFile(join(box.repo, '.git', 'config'), 'utf8');
    const { status } = await runSandboxPlan(box, suite.db, { run: { id: 'cfg' }, sandbox: 'none', workstreams: [{ id: 'w', tasks: [{ id: 'plant', command: plant, max_retries: 0 }] }] });
    expect(status.state).toBe('failed');
    const task = await taskOutcome(suite.db, 'cfg.plant');
    expect(task.state).toBe('failed');
    expect(task.error).toMatch(/^the task changed git metadata Gantry uses \(put back\): .*config.*info\/attributes/);
    // Put back as it was; nothing planted ran; main holds only the first commit.
    expect(await readFile(join(box.repo, '.git', 'config'), 'utf8')).toBe(before);
    expect(await exists(join(box.repo, '.git', 'info', 'attributes'))).toBe(false);
    for (const n of ['clean', 'smudge', 'process', 'textconv', 'merge']) expect(await exists(m(n))).toBe(false);
    expect(await mainFiles(box)).toEqual(['src/app.js']);
    expect((await runGit(box.repo, ['show', 'refs/heads/main:src/app.js'])).stdout).toBe('export const x = 1;\n');
  }, 120_000);

  it('drivers already in the config (clean = sleep 100007 among them) never run in any of Gantry\'s git calls: the run merges', async () => {
    const box = await suite.sandbox();
    const m = (n: string) => marker(box, n);
    setGitTimeoutMs(20_000); // a hang would be a GitTimeoutError, not a stuck engine
    const config = join(box.repo, '.git', 'config');
    await writeFile(config, `${await readFile(config, 'utf8')}[filter "x"]\n\tclean = touch ${m('clean')}; cat\n\tsmudge = touch ${m('smudge')}; cat\n\trequired = true\n[filter "slow"]\n\tclean = sleep 100007\n[diff "x"]\n\ttextconv = touch ${m('textconv')}; cat\n\tcommand = touch ${m('extdiff')}\n[merge "x"]\n\tdriver = touch ${m('merge')}; false\n[include]\n\tpath = ${join(box.dir, 'more.config')}\n[core]\n\tfsmonitor = touch ${m('fsmonitor')}\n\thooksPath = ${join(box.dir, 'hooks')}\n`);
    await writeFile(join(box.dir, 'more.config'), `[filter "y"]\n\tclean = touch ${m('included')}; cat\n`);
    await mkdir(join(box.dir, 'hooks'));
    for (const hook of ['post-checkout', 'post-commit', 'post-merge', 'reference-transaction', 'post-index-change', 'pre-commit']) {
      await writeFile(join(box.dir, 'hooks', hook), `#!/bin/sh\ntouch ${m('hook')}\n`);
      await chmod(join(box.dir, 'hooks', hook), 0o755);
    }
    await writeFile(join(box.repo, '.git', 'info', 'attributes'), '*.js filter=x diff=x merge=x\n*.txt filter=slow\n*.md filter=y\n');
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'pre' },
      sandbox: 'none',
      workstreams: [{
        id: 'w',
        tasks: [
          { id: 'a', command: writeCmd('src/app.js', 'export const x = 2;\n'), max_retries: 0 },
          { id: 'b', command: writeCmd('notes.txt', 'slow filter\n'), max_retries: 0, depends_on: ['a'] },
          { id: 'c', command: writeCmd('README.md', '# included driver\n'), max_retries: 0, depends_on: ['b'] },
        ],
      }],
    });
    expect(status.state).toBe('succeeded');
    expect((await mainFiles(box)).sort()).toEqual(['README.md', 'notes.txt', 'src/app.js']);
    for (const n of ['clean', 'smudge', 'textconv', 'extdiff', 'merge', 'included', 'fsmonitor', 'hook']) expect(await exists(m(n))).toBe(false);
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
    expect(processes.filter((l) => l.trim() === 'sleep 100007')).toEqual([]);
  }, 120_000);
});
