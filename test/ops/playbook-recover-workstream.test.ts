import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors, replayAudit, verifyAudit } from '../../actors/index.js';
import { revParse, runGit } from '../../git/index.js';
import { addOperator, applyOverride, OverrideRefusedError, recoverWorkstream, rollbackPatch } from '../../ops/index.js';
import { loadPlan } from '../../plan/index.js';
import { loadEntity, readHistory } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { auditCount, cliDatabase, type CliDatabase } from './recovery-fixtures.js';

const PLAN = {
  run: { id: 'pb', phase: 'PH-1', repository: './repo', target_branch: 'main' },
  retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
  workstreams: [
    {
      id: 'core',
      tasks: [
        { id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n') },
        // Hangs past the moment the engine is killed, then ends on its own (its process group outlives the engine).
        { id: 'hang', command: ['node', '-e', 'setTimeout(() => {}, 4000)'], depends_on: ['write-a'], max_retries: 0 },
      ],
    },
  ],
};

// SSOT §5.3 "recover a stuck workstream": a real `gantry run` killed (SIGKILL) while a task runs leaves the task
// running and the workstream executing; the playbook fails the stuck task and points at `gantry resume`.
describe.each(testDatabases())('gantry playbook recover-workstream (%s)', (kind) => {
  let cli: CliDatabase;
  let box: EngineSandbox;
  let auth: string[];
  const state = () => cli.use(async (h) => ({ hang: (await loadEntity(h.db, 'task', 'pb.hang'))?.state, ws: (await loadEntity(h.db, 'workstream', 'pb.core'))?.state, rows: await auditCount(h) }));

  beforeAll(async () => {
    cli = await cliDatabase(kind);
    box = await makeSandbox();
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(PLAN, null, 2));
    const token = await cli.use((h) => addOperator(h.db, 'ops-1'));
    auth = ['--operator', 'ops-1', '--token', token];
    const killed = await new Promise<number | null>((resolve, reject) => {
      const { args, env } = cli.invocation();
      const child = spawn(process.execPath, [GANTRY_BIN, 'run', join(box.dir, 'plan.json'), ...args], { cwd: ROOT, env });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/task\s+pb\.hang: \S+ → running/.test(out)) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    expect(killed).toBeNull();
    expect(await state()).toMatchObject({ hang: 'running', ws: 'executing' });
  }, 120_000);
  afterAll(async () => {
    await cli?.cleanup();
    await box?.cleanup();
  });

  it('is refused without authority (exit 1, nothing written)', async () => {
    const before = await state();
    const r = await cli.gantry('playbook', 'recover-workstream', 'pb.core', '--task-sec', '0.001', '--reason', 'engine died');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/manual override refused: no operator identity/);
    expect(await state()).toEqual(before);
  }, 60_000);

  it('rolls back a patch committed on the integration branch of the unfinished workstream (SSOT §5.3), in its worktree', async () => {
    const branch = 'gantry/pb/core';
    const before = await revParse(box.repo, `refs/heads/${branch}`);
    const mainBefore = await revParse(box.repo, 'refs/heads/main');
    const r = await cli.use(async (h) =>
      rollbackPatch(h.db, { ledgerId: 'pb.write-a.p1', plan: await loadPlan(join(box.dir, 'plan.json')), operator: 'ops-1', reason: 'a is wrong', transitionLog: null, scratchDir: cli.stateDir }),
    );
    expect(r.compensation).toMatchObject({ branch, pre_rollback_head: before, succeeded: true, clean_tree: true });
    // Reverted in the engine's own worktree of the workstream (no temporary rollback worktree was added).
    expect(r.compensation.worktree).not.toMatch(/rollback-/);
    expect((await runGit(box.repo, ['worktree', 'list', '--porcelain'])).stdout).toContain(`worktree ${r.compensation.worktree}\n`);
    expect(r.compensation.actions[1]).toMatchObject({ action: 'run_tests', status: 'succeeded', detail: 'workstream core has no gates' });
    expect(await revParse(box.repo, `refs/heads/${branch}`)).toBe(r.compensation.revert_sha);
    expect(await revParse(box.repo, 'refs/heads/main')).toBe(mainBefore);
    expect(await cli.use(async (h) => (await loadEntity(h.db, 'patch_ledger', 'pb.write-a.p1'))!.state)).toBe('rolled_back');
  }, 60_000);

  it('fails the stuck task through the override machinery and names the resume command; resume settles the workstream', async () => {
    const r = await cli.gantry('playbook', 'recover-workstream', 'pb.core', '--task-sec', '0.001', '--reason', 'engine died', '--json', ...auth);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      playbook: 'recover-workstream', workstream_id: 'pb.core', run_id: 'pb', operator: 'ops-1',
      failed_tasks: [{ id: 'pb.hang', from_state: 'running', to_state: 'failed' }],
      skipped_tasks: [],
      outcome: 'resume', workstream_state: 'executing', resume_command: 'gantry resume pb',
    });
    await cli.use(async (h) => {
      const last = (await readHistory(h.db, 'task', 'pb.hang')).at(-1)!;
      expect(last).toMatchObject({ trigger: 'fail-task', fromState: 'running', toState: 'failed', operator: 'ops-1', severity: 'warning', reason: 'recover-workstream pb.core: engine died' });
    });
    const resumed = await cli.gantry('resume', 'pb');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(1); // the only other outcome of R-1: the run failed
    const after = await state();
    expect(after.hang).toBe('failed');
    expect(['cancelled', 'failed']).toContain(after.ws);
    await cli.use(async (h) => {
      const again = recoverWorkstream(h.db, { workstreamId: 'pb.core', operator: 'ops-1', reason: 'again', transitionLog: null });
      await expect(again).rejects.toThrow(OverrideRefusedError);
      await expect(again).rejects.toThrow(/override recover-workstream of workstream pb\.core refused: state '(cancelled|failed)' is terminal/);
    });
    expect(await state()).toEqual(after);
    await cli.use(async (h) => {
      expect((await verifyAudit(h.db)).ok).toBe(true);
      expect((await replayAudit(h.db)).mismatches).toEqual([]);
    });
  }, 120_000);

  it('validates a workstream stuck executing whose tasks are all completed', async () => {
    await cli.use(async (h) => {
      const actors = new PersistedActors({ db: h.db });
      await actors.create('workstream', 'v.ws', { planned_task_count: 1 });
      await actors.send('workstream', 'v.ws', { type: 'tasks_created', task_count: 1, dependencies: {} });
      await actors.send('workstream', 'v.ws', { type: 'task_started', tasks: [{ id: 'v.t1', state: 'running' }] });
      await actors.create('task', 'v.t1', {}, { links: { workstream_id: 'v.ws' } });
      await actors.send('task', 'v.t1', { type: 'scheduler_assigned' });
      await actors.close();
      await applyOverride(h.db, { action: 'complete-task', id: 'v.t1', operator: 'ops-1', reason: 'done by hand', transitionLog: null });
      const r = await recoverWorkstream(h.db, { workstreamId: 'v.ws', operator: 'ops-1', reason: 'stuck after its tasks', transitionLog: null });
      expect(r).toMatchObject({ outcome: 'validated', workstreamState: 'completed', failedTasks: [], resumeCommand: null });
      expect((await loadEntity(h.db, 'workstream', 'v.ws'))!.state).toBe('completed');
    });
  }, 60_000);
});
