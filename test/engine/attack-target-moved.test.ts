import { describe, expect, it } from 'vitest';
import { recordedTargetHead, revParse, runGit } from '../../git/index.js';
import { testDatabases } from '../support/test-database.js';
import { mainHead, taskOutcome, workstreamOutcome } from './attack-fixtures.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

// Issue 11: a task committed `secrets/evil.txt` straight onto main by absolute path and the run reported success.
// The engine records the target branch head it starts from and each merge it makes; a branch that moved otherwise
// is never merged over: the workstream fails naming both commits.
describe.each(testDatabases())('attack: a commit planted directly on the target branch (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('a task committing onto main by absolute path: the merge stops, naming both commits; nothing is merged over it', async () => {
    const box = await suite.sandbox();
    const start = await mainHead(box);
    const plant = `mkdir -p ${box.repo}/secrets && echo evil > ${box.repo}/secrets/evil.txt && git -C ${box.repo} add secrets/evil.txt && git -C ${box.repo} -c user.name=evil -c user.email=evil@x commit -qm evil && echo 'export const ok = 1;' > src/ok.js`;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'moved' },
      sandbox: 'none',
      workstreams: [{ id: 'w', critical: true, tasks: [{ id: 't', command: plant, max_retries: 0 }] }],
    });
    const planted = await mainHead(box);
    expect(planted).not.toBe(start);
    expect((await runGit(box.repo, ['log', '-1', '--format=%s', planted])).stdout.trim()).toBe('evil');
    // The task itself passed its checks (its own patch is clean); the merge refused the moved branch.
    expect((await taskOutcome(suite.db, 'moved.t')).state).toBe('completed');
    const ws = await workstreamOutcome(suite.db, 'moved.w');
    expect(ws.state).toBe('failed');
    expect(ws.reason).toContain(`branch main of ${box.repo} moved outside Gantry: the engine left it at ${start}, it is now at ${planted}; not merging over it`);
    expect(status.state).toBe('failed');
    // main is exactly the planted commit on top of the start: no merge commit of Gantry over it.
    expect((await runGit(box.repo, ['rev-list', '--count', `${start}..refs/heads/main`])).stdout.trim()).toBe('1');
    expect(await recordedTargetHead(box.repo, 'main')).toBe(start);
  }, 120_000);

  it('the engine\'s own merges move the record along: two workstreams merge one after the other', async () => {
    const box = await suite.sandbox();
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'own' },
      sandbox: 'none',
      workstreams: [
        { id: 'a', tasks: [{ id: 'a1', command: writeCmd('src/a.js', '1;\n') }] },
        { id: 'b', depends_on: ['a'], tasks: [{ id: 'b1', command: writeCmd('src/b.js', '2;\n') }] },
      ],
    });
    expect(status.state).toBe('succeeded');
    expect(await recordedTargetHead(box.repo, 'main')).toBe(await revParse(box.repo, 'refs/heads/main'));
  }, 120_000);
});
