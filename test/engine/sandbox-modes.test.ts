import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { RunSetupError } from '../../engine/index.js';
import { testDatabases, type TestDatabase } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd, type EngineSandbox } from './engine-fixtures.js';

// A machine without bubblewrap, played by a PATH that does not hold it (the engine looks `bwrap` up on PATH).
const NO_BWRAP = { sandboxPath: '/nonexistent-bin' };

/** The metadata of run `run`'s `start` transition in its audit. */
async function startMetadata(db: TestDatabase['db'], run: string): Promise<Record<string, unknown>> {
  const actors = new PersistedActors({ db });
  try {
    const start = (await actors.history('run', run)).find((r) => r.trigger === 'start');
    return start?.metadata ?? {};
  } finally {
    await actors.close();
  }
}

describe.each(testDatabases())('sandbox modes and sandboxed gates (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox();
  });
  const oneTask = (run: string, sandbox: unknown, task: Record<string, unknown> = {}) => ({
    run: { id: run },
    ...(sandbox !== undefined ? { sandbox } : {}),
    workstreams: [{ id: 'ws', tasks: [{ id: `${run}-t`, command: writeCmd(`${run}.txt`, 'x\n'), ...task }] }],
  });

  it('required without bubblewrap refuses the run, saying how to install it, and writes nothing', async () => {
    const refused = runSandboxPlan(box, suite.db, oneTask('req', 'required'), NO_BWRAP);
    await expect(refused).rejects.toBeInstanceOf(RunSetupError);
    await expect(refused).rejects.toThrow(/bwrap not found on PATH.*apt-get install bubblewrap/);
    const rows = await suite.db.db.selectFrom('runs').select('id').where('id', '=', 'req').execute();
    expect(rows).toEqual([]);
  });

  it('a single task that requires it refuses the run too', async () => {
    await expect(runSandboxPlan(box, suite.db, oneTask('req-task', 'auto', { sandbox: { mode: 'required' } }), NO_BWRAP)).rejects.toThrow(/apt-get install bubblewrap/);
  });

  it('auto without bubblewrap runs unsandboxed, warns, and records it in the run\'s audit', async () => {
    const warnings: string[] = [];
    const { status } = await runSandboxPlan(box, suite.db, oneTask('auto-none', undefined), { ...NO_BWRAP, onWarning: (l) => warnings.push(l) });
    expect(status.state).toBe('succeeded');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: run auto-none: sandbox: auto and bwrap not found on PATH: tasks and gates run unsandboxed/);
    expect(await startMetadata(suite.db.db, 'auto-none')).toMatchObject({ sandbox: 'none', sandbox_reason: expect.stringMatching(/bwrap not found/) });
  });

  it('auto with bubblewrap records the sandbox; none records the opt-out, without a warning', async () => {
    const warnings: string[] = [];
    await runSandboxPlan(box, suite.db, oneTask('auto-bwrap', 'auto'), { onWarning: (l) => warnings.push(l) });
    await runSandboxPlan(box, suite.db, oneTask('opt-out', 'none'), { onWarning: (l) => warnings.push(l) });
    expect(warnings).toEqual([]);
    expect(await startMetadata(suite.db.db, 'auto-bwrap')).toMatchObject({ sandbox: 'bwrap' });
    expect(await startMetadata(suite.db.db, 'opt-out')).toMatchObject({ sandbox: 'none', sandbox_reason: 'sandbox: none in the plan' });
  });

  it('gate commands run in the sandbox: the repository looks empty and the state directory cannot be written', async () => {
    // Passes only inside the sandbox; outside it the repository is not empty and the state directory is writable.
    const probe = `test -z "$(ls -A ${box.repo})" && ! touch ${box.stateDir}/gate-was-here 2>/dev/null && ! touch ${box.repo}/gate-was-here 2>/dev/null`;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'gated' },
      sandbox: 'required',
      workstreams: [{ id: 'ws', gates: [{ id: 'probe', type: 'LINT', command: probe }], tasks: [{ id: 'gated-t', command: writeCmd('gated.txt', 'g\n'), gates: ['probe'] }] }],
    });
    expect(status.state).toBe('succeeded');
    const gate = await suite.db.db.selectFrom('test_gates').select(['id', 'state']).where('run_id', '=', 'gated').execute();
    expect(gate).toEqual([{ id: 'gated.gated-t.probe.a1', state: 'PASSED' }]);
    expect(existsSync(join(box.stateDir, 'gate-was-here'))).toBe(false);
    expect(existsSync(join(box.repo, 'gate-was-here'))).toBe(false);
  });

  it('control: the same gate fails with sandbox none (it is the sandbox that makes it pass)', async () => {
    const probe = `test -z "$(ls -A ${box.repo})"`;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'gated-none' },
      sandbox: 'none',
      workstreams: [{ id: 'ws', gates: [{ id: 'probe', type: 'LINT', command: probe }], tasks: [{ id: 'gated-none-t', command: writeCmd('gated-none.txt', 'g\n'), gates: ['probe'], max_retries: 0 }] }],
    });
    expect(status.state).toBe('failed');
    expect(status.tasks.find((t) => t.id === 'gated-none.gated-none-t')?.state).toBe('failed');
  });
});
