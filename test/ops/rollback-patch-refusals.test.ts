import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, isClean, revParse, withBranchLock } from '../../git/index.js';
import { addOperator, OverrideRefusedError, RollbackFailedError, rollbackPatch, RollbackPlanMismatchError } from '../../ops/index.js';
import { loadEntity } from '../../persistence/index.js';
import { loadPlan } from '../../plan/index.js';
import { makeSandbox, runSandboxPlan, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { auditCount, cliDatabase, type CliDatabase } from './recovery-fixtures.js';

// SSOT §5.3: the emergency rollback refuses (exit 1) without authority and unless the patch is committed, and rejects
// bad input (exit 2); in every case nothing is written to the database or the repository.
describe.each(testDatabases())('gantry override rollback-patch refusals (%s)', (kind) => {
  let cli: CliDatabase;
  let box: EngineSandbox;
  let auth: string[];
  const plan = () => join(box.dir, 'plan.json');
  const snapshot = async () => ({
    head: await revParse(box.repo, 'refs/heads/main'),
    clean: await isClean(box.repo),
    ...(await cli.use(async (h) => ({ ok: (await loadEntity(h.db, 'patch_ledger', 'rr.write-ok.p1'))?.state, bad: (await loadEntity(h.db, 'patch_ledger', 'rr.write-key.p1'))?.state, rows: await auditCount(h) }))),
  });

  beforeAll(async () => {
    cli = await cliDatabase(kind);
    box = await makeSandbox();
    const { status } = await cli.use((h) =>
      runSandboxPlan(box, { ...h, url: null }, {
        run: { id: 'rr' },
        patch_rules: { forbidden: ['**/*.pem'] },
        workstreams: [
          { id: 'good', tasks: [{ id: 'write-ok', command: writeCmd('src/ok.js', 'export const ok = 1;\n') }] },
          { id: 'bad', tasks: [{ id: 'write-key', command: writeCmd('src/key.pem', 'secret\n'), max_retries: 0 }] },
        ],
      }),
    );
    expect(status.patches.map((p) => [p.id, p.state])).toEqual([['rr.write-key.p1', 'quarantined'], ['rr.write-ok.p1', 'committed']]);
    const token = await cli.use((h) => addOperator(h.db, 'ops-1'));
    auth = ['--operator', 'ops-1', '--token', token];
  }, 120_000);
  afterAll(async () => {
    await cli?.cleanup();
    await box?.cleanup();
  });

  it('is refused without authority (exit 1) and rejects a missing --plan (exit 2), writing nothing', async () => {
    const before = await snapshot();
    const noAuth = await cli.gantry('override', 'rollback-patch', 'rr.write-ok.p1', '--plan', plan(), '--reason', 'x');
    expect(noAuth.code).toBe(1);
    expect(noAuth.stderr).toMatch(/manual override refused: no operator identity/);
    const noPlan = await cli.gantry('override', 'rollback-patch', 'rr.write-ok.p1', '--reason', 'x', ...auth);
    expect(noPlan.code).toBe(2);
    expect(noPlan.stderr).toMatch(/rollback-patch needs --plan FILE/);
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('refuses a patch that is not committed (exit 1, nothing written)', async () => {
    const before = await snapshot();
    const r = await cli.gantry('override', 'rollback-patch', 'rr.write-key.p1', '--plan', plan(), '--reason', 'undo the key', ...auth);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/override rollback-patch of patch_ledger rr\.write-key\.p1 refused: state 'quarantined' is not committed/);
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('names a plan that does not describe the patch\'s run, writing nothing', async () => {
    const before = await snapshot();
    const other = join(box.dir, 'other-plan.json');
    await writeFile(other, JSON.stringify({ run: { id: 'rr', phase: 'PH-1', repository: './repo' }, workstreams: [{ id: 'elsewhere', tasks: [{ id: 't', command: 'true' }] }] }));
    const mismatch = cli.use(async (h) => rollbackPatch(h.db, { ledgerId: 'rr.write-ok.p1', plan: await loadPlan(other), operator: 'ops-1', reason: 'x', transitionLog: null, scratchDir: cli.stateDir }));
    await expect(mismatch).rejects.toThrow(RollbackPlanMismatchError);
    await expect(mismatch).rejects.toThrow(/has no workstream 'good' \(the entry belongs to workstream rr\.good of run rr\)/);
    // Another run's plan with a workstream of the same name (and no gates) is not taken for this run's.
    const otherRun = join(box.dir, 'other-run.json');
    await writeFile(otherRun, JSON.stringify({ run: { id: 'some-other-run', phase: 'PH-1', repository: './repo' }, workstreams: [{ id: 'good', tasks: [{ id: 't', command: 'true' }] }] }));
    const foreign = cli.use(async (h) => rollbackPatch(h.db, { ledgerId: 'rr.write-ok.p1', plan: await loadPlan(otherRun), operator: 'ops-1', reason: 'x', transitionLog: null, scratchDir: cli.stateDir }));
    await expect(foreign).rejects.toThrow(/is the plan of run some-other-run, and the entry belongs to run rr/);
    expect(await snapshot()).toEqual(before);
  }, 60_000);
  it('waits for the target branch while a merge or another rollback holds it, then is refused naming the holder, writing nothing', async () => {
    const before = await snapshot();
    let release!: () => void;
    let held!: () => void;
    const isHeld = new Promise<void>((r) => (held = r));
    const holding = withBranchLock(box.repo, 'main', { holder: 'gantry run rr (merge of other)' }, () => new Promise<void>((r) => { release = r; held(); }));
    await isHeld;
    try {
      const r = cli.use(async (h) => rollbackPatch(h.db, { ledgerId: 'rr.write-ok.p1', plan: await loadPlan(plan()), operator: 'ops-1', reason: 'x', transitionLog: null, scratchDir: cli.stateDir, lockWaitMs: 200 }));
      await expect(r).rejects.toThrow(OverrideRefusedError);
      await expect(r).rejects.toThrow(/refused: branch main of .* is locked by gantry run rr \(merge of other\) \(pid \d+ .*\(nothing written\)/);
      expect(await snapshot()).toEqual(before);
    } finally {
      release();
      await holding;
    }
  }, 60_000);

  it('aborts when the tree is not clean after the gates (one left a file): reset to the pre-rollback head, the file removed', async () => {
    const before = await snapshot();
    const littering = join(box.dir, 'littering-plan.json');
    const doc = JSON.parse(await readFile(plan(), 'utf8')) as { workstreams: { id: string; gates?: unknown[] }[] };
    doc.workstreams[0]!.gates = [{ id: 'litter', type: 'UNIT', command: 'echo junk > junk.txt' }];
    await writeFile(littering, JSON.stringify(doc));
    const failed = cli.use(async (h) => rollbackPatch(h.db, { ledgerId: 'rr.write-ok.p1', plan: await loadPlan(littering), operator: 'ops-1', reason: 'x', transitionLog: null, scratchDir: cli.stateDir }));
    const err = (await failed.catch((e: unknown) => e)) as RollbackFailedError;
    expect(err).toBeInstanceOf(RollbackFailedError);
    expect(err.failed).toEqual(['clean-tree check failed: git status --porcelain is not empty after the rollback']);
    expect(err.compensation).toMatchObject({ clean_tree: false, succeeded: false, undone: true, revert_sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(err.compensation.actions.map((a) => [a.action, a.status])).toEqual([['git_revert', 'succeeded'], ['run_tests', 'succeeded'], ['notify', 'skipped']]);
    expect(existsSync(join(box.repo, 'junk.txt'))).toBe(false);
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('aborts when git revert conflicts (a later commit changed the file): nothing reverted, patch committed, the failure named', async () => {
    await writeFile(join(box.repo, 'src/ok.js'), 'export const ok = 2; // changed after the merge\n');
    await commitAll(box.repo, 'change ok.js after the merge');
    const before = await snapshot();
    const failed = cli.use(async (h) => rollbackPatch(h.db, { ledgerId: 'rr.write-ok.p1', plan: await loadPlan(plan()), operator: 'ops-1', reason: 'x', transitionLog: null, scratchDir: cli.stateDir }));
    await expect(failed).rejects.toThrow(RollbackFailedError);
    const err = (await failed.catch((e: unknown) => e)) as RollbackFailedError;
    expect(err.failed).toEqual([expect.stringMatching(/^git_revert failed: reverting [0-9a-f]+ .* conflicts in: src\/ok\.js; revert aborted$/)]);
    expect(err.compensation).toMatchObject({ branch: 'main', pre_rollback_head: before.head, revert_sha: null, succeeded: false, undone: true, clean_tree: null });
    expect(err.compensation.actions.map((a) => [a.action, a.status])).toEqual([['git_revert', 'failed'], ['run_tests', 'skipped'], ['notify', 'skipped']]);
    expect(await snapshot()).toEqual(before);
  }, 60_000);
});
