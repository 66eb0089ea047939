import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { replayAudit, verifyAudit } from '../../actors/index.js';
import { isTerminal } from '../../machines/index.js';
import { isClean, runGit } from '../../git/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd, type EngineSandbox } from './engine-fixtures.js';

describe.each(testDatabases())('engine happy path (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox();
  });

  it('runs two dependent workstreams to success, merging every task change into the target branch', async () => {
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'happy' },
      patch_rules: { allowed_paths: ['src/**', 'test/**'], forbidden: ['**/*.pem'] },
      workers: { orchestration: [{ id: 'agent', count: 2, capabilities: ['node'] }] },
      workstreams: [
        {
          id: 'core',
          critical: true,
          gates: [
            { id: 'lint', type: 'LINT', command: ['node', '-e', "require('fs').accessSync('src/a.js')"] },
            { id: 'unit', type: 'UNIT', command: 'test -f src/b.js', depends_on: ['lint'] },
          ],
          tasks: [
            { id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n'), gates: ['lint'], requires: ['node'] },
            { id: 'write-b', command: writeCmd('src/b.js', 'export const b = 2;\n'), depends_on: ['write-a'], gates: ['lint', 'unit'] },
            { id: 'no-change', command: ['node', '-e', '0'], depends_on: ['write-b'] },
          ],
        },
        {
          id: 'tests',
          depends_on: ['core'],
          tasks: [{ id: 'write-t', command: 'mkdir -p test && cat src/a.js > test/a.test.js' }],
        },
      ],
    });
    expect(status.state).toBe('succeeded');
    expect(status.workstreams.map((w) => [w.id, w.state])).toEqual([
      ['happy.core', 'completed'],
      ['happy.tests', 'completed'],
    ]);
    expect(status.tasks.every((t) => t.state === 'completed')).toBe(true);
    expect(status.patches.map((p) => [p.id, p.state])).toEqual([
      ['happy.write-a.p1', 'committed'],
      ['happy.write-b.p1', 'committed'],
      ['happy.write-t.p1', 'committed'],
    ]);
    expect(status.gates.map((g) => [g.id, g.state])).toEqual([
      ['happy.write-a.lint.a1', 'PASSED'],
      ['happy.write-b.lint.a1', 'PASSED'],
      ['happy.write-b.unit.a1', 'PASSED'],
    ]);
    expect(status.workers.every((w) => w.state === 'shutdown')).toBe(true);

    // The target branch holds every change, including the dependent workstream's, which saw core's merge.
    const tree = (await runGit(box.repo, ['ls-tree', '-r', '--name-only', 'main'])).stdout.trim().split('\n');
    expect(tree).toEqual(['src/a.js', 'src/app.js', 'src/b.js', 'test/a.test.js']);
    expect((await runGit(box.repo, ['show', 'main:test/a.test.js'])).stdout).toBe('export const a = 1;\n');
    expect(await isClean(box.repo)).toBe(true);
    expect(await readFile(join(box.repo, 'src/b.js'), 'utf8')).toBe('export const b = 2;\n');

    // Every entity of the run that has terminal states is in one.
    for (const [type, table] of [['run', 'runs'], ['workstream', 'workstreams'], ['task', 'tasks'], ['test_gate', 'test_gates'], ['worker', 'workers'], ['uet_worker', 'uet_workers']] as const) {
      const rows = await suite.db.db.selectFrom(table).select(['id', 'state']).execute();
      for (const r of rows) expect(isTerminal(type, r.state), `${type} ${r.id} is ${r.state}`).toBe(true);
    }
    const ledger = await suite.db.db.selectFrom('patch_ledger_entries').select(['state', 'commit_sha']).execute();
    expect(ledger.every((l) => l.state === 'committed' && /^[0-9a-f]{40}$/.test(l.commit_sha ?? ''))).toBe(true);
    const patchRows = await suite.db.db.selectFrom('patches').select(['id', 'files']).orderBy('id').execute();
    expect(patchRows.map((p) => p.files)).toEqual([['src/a.js'], ['src/b.js'], ['test/a.test.js']]);

    const verified = await verifyAudit(suite.db.db);
    expect(verified.ok).toBe(true);
    const replayed = await replayAudit(suite.db.db);
    expect(replayed.mismatches).toEqual([]);
    expect(replayed.ok).toBe(true);
  });
});
