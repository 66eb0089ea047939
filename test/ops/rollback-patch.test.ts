import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isClean, revParse, runGit } from '../../git/index.js';
import { addOperator, GantryMetrics, recentOverrides } from '../../ops/index.js';
import { replayAudit, verifyAudit } from '../../actors/index.js';
import { loadEntity, readHistory } from '../../persistence/index.js';
import { makeSandbox, runSandboxPlan, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';
import { auditCount, cliDatabase, type CliDatabase } from './recovery-fixtures.js';

// SSOT §5.3 emergency rollback with the §2.5.3 compensation plan, on the repository of a real run, through the CLI.
describe.each(testDatabases())('gantry override rollback-patch (%s)', (kind) => {
  let cli: CliDatabase;
  let box: EngineSandbox;
  let token: string;
  let auth: string[];
  const plan = () => join(box.dir, 'plan.json');
  const ledger = (task: string) => `rb.${task}.p1`;
  /** What a refusal must leave unchanged: main's head, the ledger states, the audit row count. */
  const snapshot = async () => ({
    head: await revParse(box.repo, 'refs/heads/main'),
    clean: await isClean(box.repo),
    ...(await cli.use(async (h) => ({ a: (await loadEntity(h.db, 'patch_ledger', ledger('write-a')))?.state, b: (await loadEntity(h.db, 'patch_ledger', ledger('write-b')))?.state, rows: await auditCount(h) }))),
  });

  beforeAll(async () => {
    cli = await cliDatabase(kind);
    box = await makeSandbox();
    const { status } = await cli.use((h) =>
      runSandboxPlan(box, { ...h, url: null }, {
        run: { id: 'rb' },
        workstreams: [
          { id: 'wa', gates: [{ id: 'syntax', type: 'LINT', command: ['node', '--check', 'src/app.js'] }], tasks: [{ id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n'), gates: ['syntax'] }] },
          { id: 'wb', gates: [{ id: 'has-b', type: 'UNIT', command: 'test -f src/b.js' }], tasks: [{ id: 'write-b', command: writeCmd('src/b.js', 'export const b = 2;\n'), gates: ['has-b'] }] },
        ],
      }),
    );
    expect(status.state).toBe('succeeded');
    expect(status.patches.map((p) => [p.id, p.state])).toEqual([[ledger('write-a'), 'committed'], [ledger('write-b'), 'committed']]);
    token = await cli.use((h) => addOperator(h.db, 'ops-1'));
    auth = ['--operator', 'ops-1', '--token', token];
  }, 120_000);
  afterAll(async () => {
    await cli?.cleanup();
    await box?.cleanup();
  });

  it('aborts when a regression gate fails on the reverted tree: revert undone, patch still committed, exit 1 naming the gate', async () => {
    const before = await snapshot();
    const r = await cli.gantry('override', 'rollback-patch', ledger('write-b'), '--plan', plan(), '--reason', 'b broke prod', ...auth);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/rollback-patch rb\.write-b\.p1 aborted: run_tests failed: gate\(s\) has-b FAILED \(exit 1\) on the reverted tree; the revert was undone and the patch stays committed/);
    expect(await snapshot()).toEqual(before);
    expect(existsSync(join(box.repo, 'src/b.js'))).toBe(true);
  }, 60_000);

  it('reverts a merged patch on the target branch, runs the gates, notifies and takes the rollback edge (critical, audited, counted)', async () => {
    const before = await snapshot();
    // The repository has another branch checked out: main is reverted in a temporary worktree, removed after.
    await runGit(box.repo, ['switch', '--quiet', '-c', 'side']);
    const sha = await cli.use(async (h) => (await loadEntity(h.db, 'patch_ledger', ledger('write-a')))!.columns['commit_sha'] as string);
    const r = await cli.gantry('override', 'rollback-patch', ledger('write-a'), '--plan', plan(), '--reason', 'a broke prod', '--json', ...auth);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ action: 'rollback-patch', id: ledger('write-a'), from_state: 'committed', to_state: 'rolled_back', operator: 'ops-1' });
    const c = out.compensation;
    expect(c).toMatchObject({ commit_sha: sha, branch: 'main', pre_rollback_head: before.head, clean_tree: true, succeeded: true, undone: false });
    expect(c.actions.map((a: { action: string; required: boolean; status: string }) => [a.action, a.required, a.status])).toEqual([
      ['git_revert', true, 'succeeded'],
      ['run_tests', true, 'succeeded'],
      ['notify', false, 'succeeded'],
    ]);
    expect(c.actions[1].gates).toEqual([expect.objectContaining({ gate: 'syntax', status: 'PASSED', exitCode: 0 })]);
    // The revert is main's new head, on top of the old one, and src/a.js is gone from the tree.
    const head = await revParse(box.repo, 'refs/heads/main');
    expect(head).toBe(c.revert_sha);
    expect((await runGit(box.repo, ['rev-parse', `${head}^`])).stdout.trim()).toBe(before.head);
    expect((await runGit(box.repo, ['log', '-1', '--format=%s', head])).stdout).toMatch(/^Revert "write-a: rb \(gantry\)"/);
    expect(c.worktree.startsWith(cli.stateDir)).toBe(true);
    expect((await runGit(box.repo, ['worktree', 'list', '--porcelain'])).stdout.match(/^worktree /gm)).toHaveLength(1);
    expect((await runGit(box.repo, ['rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim()).toBe('side');
    await runGit(box.repo, ['switch', '--quiet', 'main']);
    expect(existsSync(join(box.repo, 'src/a.js'))).toBe(false);
    expect(await isClean(box.repo)).toBe(true);

    await cli.use(async (h) => {
      const entry = (await loadEntity(h.db, 'patch_ledger', ledger('write-a')))!;
      expect(entry.state).toBe('rolled_back');
      expect(entry.columns).toMatchObject({ rollback_reason: 'a broke prod', commit_sha: sha });
      const last = (await readHistory(h.db, 'patch_ledger', ledger('write-a'))).at(-1)!;
      expect(last).toMatchObject({ trigger: 'rollback', fromState: 'committed', toState: 'rolled_back', severity: 'critical', operator: 'ops-1', reason: 'a broke prod' });
      expect(last.metadata).toMatchObject({ manual: true, action: 'rollback-patch', compensation: { succeeded: true, revert_sha: head }, event: { type: 'rollback', compensation_succeeded: true } });
      const samples = parsePrometheusText(await new GantryMetrics(h.db).text());
      expect(sampleValue(samples, 'manual_state_overrides_total', { entity_type: 'patch_ledger', operator: 'ops-1' })).toBe(1);
      expect(sampleValue(samples, 'state_transitions_total', { entity_type: 'patch_ledger', from_state: 'committed', to_state: 'rolled_back' })).toBe(1);
    });
    const lines = (await readFile(join(cli.stateDir, 'transitions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.event_type, l.severity, l.entity_id])).toEqual([
      ['patch_ledger_state_transition', 'critical', ledger('write-a')],
      ['patch_rollback_notice', 'critical', ledger('write-a')], // the notice only once the ledger moved
    ]);
    await cli.use(async (h) => {
      expect((await verifyAudit(h.db)).ok).toBe(true);
      expect((await replayAudit(h.db)).mismatches).toEqual([]);
      expect(await recentOverrides(h.db, new Date(0))).toEqual([expect.objectContaining({ action: 'rollback-patch', entityId: ledger('write-a'), operator: 'ops-1', toState: 'rolled_back' })]);
    });
  }, 90_000);
});
