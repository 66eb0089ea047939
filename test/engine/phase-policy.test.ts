import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { loadPlan, PlanValidationError } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

const LINT = { id: 'lint', type: 'LINT', command: ['node', '-e', '0'] };

/** A workstream (non-critical) with one task running `command`, with the lint gate unless `gates` is false. */
const ws = (id: string, command: string[] | string, gates = true) => ({ id, gates: [LINT], tasks: [{ id: `${id}-t`, command, gates: gates ? ['lint'] : [], max_retries: 0 }] });

/** A command writing each of `files` (relative paths) with `content`. */
const writeAll = (files: string[], content = '1;\n') =>
  ['node', '-e', `for (const f of ${JSON.stringify(files)}) { require('fs').mkdirSync(require('path').dirname(f), { recursive: true }); require('fs').writeFileSync(f, ${JSON.stringify(content)}); }`];

describe.each(testDatabases())('phase policy: validated → accepted or policy_violation (SSOT §2.2) (%s)', (kind) => {
  const suite = engineSuite(kind);
  const sandbox = suite.sandbox;

  it('writes the plan’s phase_policy to the phase row and quarantines each patch it refuses, naming the rule', async () => {
    const box = await sandbox();
    const policy = { max_files: 2, max_bytes: 2000, allowed_paths: ['src/**'], require_gates: true };
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'pol', phase: 'PH-POL', phase_policy: policy },
      workstreams: [
        ws('many', writeAll(['src/a.js', 'src/b.js', 'src/c.js'])),
        ws('big', writeCmd('src/big.js', `${'x'.repeat(3000)}\n`)),
        ws('docs', writeAll(['docs/x.md'])),
        ws('nogate', writeAll(['src/n.js']), false),
        ws('ok', writeAll(['src/ok.js', 'src/ok2.js'])),
      ],
    });
    const row = await suite.db.db.selectFrom('phases').select('policy').where('id', '=', 'PH-POL').executeTakeFirstOrThrow();
    expect(row.policy).toEqual(policy);
    expect(Object.fromEntries(status.patches.map((p) => [p.id, p.state]))).toEqual({
      'pol.big-t.p1': 'quarantined',
      'pol.docs-t.p1': 'quarantined',
      'pol.many-t.p1': 'quarantined',
      'pol.nogate-t.p1': 'quarantined',
      'pol.ok-t.p1': 'committed',
    });
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({
      'pol.many': 'failed',
      'pol.big': 'failed',
      'pol.docs': 'failed',
      'pol.nogate': 'failed',
      'pol.ok': 'completed',
    });
    expect(status.state).toBe('failed'); // every workstream settled, not all completed
    const actors = new PersistedActors({ db: suite.db.db });
    const last = async (id: string) => (await actors.history('patch_ledger', id)).at(-1)!;
    const reasons: Record<string, RegExp> = {
      'pol.many-t.p1': /^phase policy max_files: the patch touches 3 files, more than 2$/,
      'pol.big-t.p1': /^phase policy max_bytes: the patch is \d+ bytes, more than 2000$/,
      'pol.docs-t.p1': /^phase policy allowed_paths: docs\/x\.md not in src\/\*\*$/,
      'pol.nogate-t.p1': /^phase policy require_gates: task nogate-t has no validation gates$/,
    };
    for (const [id, reason] of Object.entries(reasons)) {
      const entry = await last(id);
      expect(entry.trigger).toBe('policy_violation');
      expect(entry.fromState).toBe('validated');
      expect(entry.reason).toMatch(reason);
      expect((await actors.load('patch_ledger', id)).context['quarantine_reason']).toMatch(reason);
    }
    expect((await actors.load('task', 'pol.many-t')).state).toBe('failed');
    expect((await actors.load('task', 'pol.many-t')).context['last_error']).toMatch(/^patch quarantined: phase policy max_files/);
    expect((await actors.history('patch_ledger', 'pol.ok-t.p1')).map((r) => r.trigger)).toContain('accepted');
    await actors.close();
  });

  it('without phase_policy in the plan, the phase row’s own policy decides (an empty one allows everything)', async () => {
    await suite.db.db.insertInto('phases').values({ id: 'PH-ROW', name: 'PH-ROW', policy: JSON.stringify({ allowed_paths: ['lib/**'] }) }).execute();
    const box = await sandbox();
    const { status } = await runSandboxPlan(box, suite.db, { run: { id: 'row', phase: 'PH-ROW' }, workstreams: [ws('w', writeAll(['src/a.js']))] });
    expect(status.patches).toEqual([{ id: 'row.w-t.p1', state: 'quarantined', parent: 'row.w-t' }]);
    const row = await suite.db.db.selectFrom('phases').select('policy').where('id', '=', 'PH-ROW').executeTakeFirstOrThrow();
    expect(row.policy).toEqual({ allowed_paths: ['lib/**'] });

    const box2 = await sandbox();
    const free = await runSandboxPlan(box2, suite.db, { run: { id: 'free', phase: 'PH-FREE' }, workstreams: [ws('w', writeAll(['anywhere/a.js']), false)] });
    expect(free.status.state).toBe('succeeded');
    expect((await suite.db.db.selectFrom('phases').select('policy').where('id', '=', 'PH-FREE').executeTakeFirstOrThrow()).policy).toEqual({});
  });

  it('a bad phase_policy is a plan error naming its path', async () => {
    const box = await sandbox();
    const file = join(box.dir, 'bad.json');
    await writeFile(file, JSON.stringify({ run: { phase: 'P', repository: './repo', phase_policy: { max_files: 0, allowed_path: ['src/**'] } }, workstreams: [ws('w', 'true')] }));
    const err = await loadPlan(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanValidationError);
    const paths = (err as PlanValidationError).issues.map((i) => i.path);
    expect(paths).toContain('run.phase_policy.max_files');
    expect((err as PlanValidationError).message).toMatch(/allowed_path/);
  });
});
