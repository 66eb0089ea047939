import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIds } from '../../engine/index.js';
import { revParse } from '../../git/index.js';
import { rollbackPatch } from '../../ops/index.js';
import { loadEntity } from '../../persistence/index.js';
import { loadPlan } from '../../plan/index.js';
import { engineSuite, runSandboxPlan, writeCmd } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';

// SSOT §5.3 on a live run: a committed patch not merged yet lives on its workstream's integration branch, in the
// worktree the engine applies, commits and runs tasks in. Reverting there (and resetting on failure) would race the
// engine, so the rollback is refused while the run's engine is alive, and nothing moves.
describe.each(testDatabases())('rollback-patch while the run is live (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('refuses a patch whose commit is only on the integration branch the live engine is using; nothing moves, the run goes on', async () => {
    const box = await suite.sandbox();
    const go = join(box.dir, 'go');
    const run = runSandboxPlan(box, suite.db, {
      run: { id: 'lr' },
      sandbox: 'none', // the second task waits for a file the test writes beside the repository
      workstreams: [{
        id: 'core',
        tasks: [
          { id: 'first', command: writeCmd('src/first.js', 'export const first = 1;\n') },
          { id: 'second', depends_on: ['first'], command: ['sh', '-c', `while [ ! -e '${go}' ]; do sleep 0.05; done; echo 'export const s = 2;' > src/second.js`] },
        ],
      }],
    });
    const ledgerState = async () => (await loadEntity(suite.db.db, 'patch_ledger', 'lr.first.p1'))?.state;
    for (let i = 0; i < 3000 && (await ledgerState()) !== 'committed'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await ledgerState()).toBe('committed');
    const branch = runIds('lr').branch('core');
    const before = { branch: await revParse(box.repo, `refs/heads/${branch}`), main: await revParse(box.repo, 'refs/heads/main') };
    const plan = await loadPlan(join(box.dir, 'plan.json'));
    const attempt = rollbackPatch(suite.db.db, { ledgerId: 'lr.first.p1', plan, operator: 'ops-1', reason: 'bad change', transitionLog: null, scratchDir: box.stateDir });
    await expect(attempt).rejects.toThrow(new RegExp(`refused: its commit is only on ${branch}, the integration branch of workstream core, which the live engine of run lr \\(pid ${process.pid}\\) is using`));
    expect({ branch: await revParse(box.repo, `refs/heads/${branch}`), main: await revParse(box.repo, 'refs/heads/main') }).toEqual(before);
    expect(await ledgerState()).toBe('committed');
    await writeFile(go, '');
    const { status } = await run;
    expect(status.state).toBe('succeeded');
    expect(status.patches.map((p) => [p.id, p.state])).toEqual([['lr.first.p1', 'committed'], ['lr.second.p1', 'committed']]);
  }, 120_000);
});
