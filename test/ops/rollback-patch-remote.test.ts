import { execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineClonePath, withEngineClone } from '../../engine/index.js';
import { OverrideRefusedError, RollbackFailedError, rollbackPatch } from '../../ops/index.js';
import { loadEntity } from '../../persistence/index.js';
import { loadPlan } from '../../plan/index.js';
import { engineSuite, runSandboxPlan, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// Issue 16 × SSOT §5.3: the emergency rollback of a patch of a run with `run.remote` reverts the target branch in the
// engine's clone and pushes it to the remote before the ledger moves — only over what Gantry left there. Real git (a
// bare remote), real databases.

/** Runs git on the bare remote directly (to observe it independently of the code under test). */
const onRemote = (bare: string, ...args: string[]) => execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' }).trim();

describe.each(testDatabases())('rollback-patch of a run.remote run (%s)', (kind) => {
  const suite = engineSuite(kind);

  /** A remote run of three merged patches (a, b, c), and the plan as `gantry override` gives it to the rollback. */
  async function remoteRun(box: EngineSandbox, id: string) {
    const bare = join(box.dir, 'remote.git');
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    execFileSync('git', ['-C', box.repo, 'push', '--quiet', bare, 'main:main']);
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id, repository: undefined, remote: bare },
      workstreams: ['a', 'b', 'c'].map((w) => ({ id: w, gates: [{ id: 'syntax', type: 'LINT', command: ['node', '--check', 'src/app.js'] }], tasks: [{ id: `t${w}`, command: writeCmd(`src/${w}.js`, `export const ${w} = 1;\n`), gates: ['syntax'] }] })),
    });
    expect(status.state).toBe('succeeded');
    const plan = withEngineClone(await loadPlan(join(box.dir, 'plan.json')), box.stateDir);
    const rollback = (task: string) => rollbackPatch(suite.db.db, { ledgerId: `${id}.${task}.p1`, plan, operator: 'ops-1', reason: `${task} broke prod`, transitionLog: null, scratchDir: box.stateDir });
    const state = async (task: string) => (await loadEntity(suite.db.db, 'patch_ledger', `${id}.${task}.p1`))!.state;
    return { bare, clone: engineClonePath(box.stateDir, id), rollback, state };
  }

  it('pushes the revert to the remote before the ledger moves; a remote moved outside Gantry or refusing the push changes nothing', async () => {
    const box = await suite.sandbox();
    const { bare, clone, rollback, state } = await remoteRun(box, 'rbr');
    const files = () => onRemote(bare, 'ls-tree', '-r', '--name-only', 'main').split('\n').sort();
    expect(files()).toEqual(['src/a.js', 'src/app.js', 'src/b.js', 'src/c.js']);

    // Reverted in the engine's clone and pushed: the remote's main is the clone's, without a.js.
    const r = await rollback('ta');
    expect(r.toState).toBe('rolled_back');
    expect(r.compensation.actions.map((a) => [a.action, a.status])).toEqual([['git_revert', 'succeeded'], ['run_tests', 'succeeded'], ['publish', 'succeeded'], ['notify', 'succeeded']]);
    expect(files()).toEqual(['src/app.js', 'src/b.js', 'src/c.js']);
    expect(onRemote(bare, 'rev-parse', 'main')).toBe(execFileSync('git', ['-C', clone, 'rev-parse', 'main'], { encoding: 'utf8' }).trim());
    expect(onRemote(bare, 'rev-parse', 'main')).toBe(r.compensation.revert_sha);

    // A remote whose main moved outside Gantry: refused before anything is reverted.
    const reverted = onRemote(bare, 'rev-parse', 'main');
    const outside = onRemote(bare, 'commit-tree', '-p', 'main', '-m', 'outside', 'main^{tree}');
    onRemote(bare, 'update-ref', 'refs/heads/main', outside);
    const moved = rollback('tb');
    await expect(moved).rejects.toThrow(OverrideRefusedError);
    await expect(moved).rejects.toThrow(`branch main of remote ${bare} moved outside Gantry: the engine expected it at ${reverted}, it is now at ${outside}`);
    expect(await state('tb')).toBe('committed');
    expect(execFileSync('git', ['-C', clone, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(reverted);
    onRemote(bare, 'update-ref', 'refs/heads/main', reverted);

    // A remote that refuses the push: the revert is undone in the clone, the patch stays committed, the reason is given.
    const hook = join(bare, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "frozen for the release" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const refused = rollback('tc');
    await expect(refused).rejects.toThrow(RollbackFailedError);
    await expect(refused).rejects.toThrow(/publish failed: could not push main to .*remote\.git: .*frozen for the release/s);
    expect(await state('tc')).toBe('committed');
    expect(onRemote(bare, 'rev-parse', 'main')).toBe(reverted);
    expect(execFileSync('git', ['-C', clone, 'rev-parse', 'main'], { encoding: 'utf8' }).trim()).toBe(reverted);
    expect(files()).toEqual(['src/app.js', 'src/b.js', 'src/c.js']);
  }, 180_000);
});
