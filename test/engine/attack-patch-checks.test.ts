import { describe, expect, it } from 'vitest';
import { testDatabases } from '../support/test-database.js';
import { mainFiles, mainHead, taskOutcome } from './attack-fixtures.js';
import { engineSuite, runSandboxPlan } from './engine-fixtures.js';

/** A node command making symbolic links (path → target) and files (path → content) in the worktree. */
function makeCmd(links: Record<string, string>, files: Record<string, string> = {}): string[] {
  const code = [
    "const fs=require('fs'),p=require('path');",
    `for (const [f,c] of Object.entries(${JSON.stringify(files)})) { fs.mkdirSync(p.dirname(f),{recursive:true}); fs.writeFileSync(f,c); }`,
    `for (const [l,t] of Object.entries(${JSON.stringify(links)})) fs.symlinkSync(t,l);`,
  ].join('');
  return ['node', '-e', code];
}

// Issue 11: the symlink check reasoned on paper (a chain x→., y→x/.., … pw→y8/etc/passwd was merged), `key.PEM`
// passed `**/*.pem`, and a path git refuses or a huge patch must fail the task, never the engine.
describe.each(testDatabases())('attack: patches the ledger must refuse (%s)', (kind) => {
  const suite = engineSuite(kind);

  async function attempt(run: string, command: string[], patchRules: Record<string, unknown> = {}): Promise<{ error: string; runState: string }> {
    const box = await suite.sandbox();
    const head = await mainHead(box);
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: run },
      patch_rules: { forbidden: ['.git/**', '**/*.pem'], ...patchRules },
      workstreams: [{ id: 'w', tasks: [{ id: 't', command, max_retries: 0 }] }],
    });
    // Nothing of it reaches the target branch.
    expect(await mainHead(box)).toBe(head);
    expect(await mainFiles(box)).toEqual(['src/app.js']);
    const t = await taskOutcome(suite.db, `${run}.t`);
    expect(t.state).toBe('failed');
    return { error: t.error, runState: status.state };
  }

  it('a symlink chain that reads /etc/passwd through links that each look harmless on paper is refused', async () => {
    const links: Record<string, string> = { x: '.', y: 'x/..' };
    for (let i = 2; i <= 8; i++) links[`y${i}`] = `${i === 2 ? 'y' : `y${i - 1}`}/..`;
    links['pw'] = 'y8/etc/passwd';
    const { error, runState } = await attempt('chain', makeCmd(links, { 'src/ok.js': '1;\n' }));
    expect(runState).toBe('failed');
    expect(error).toMatch(/^patch quarantined: /);
    expect(error).toContain('pw: symlink resolving outside the repository (through pw -> y8/etc/passwd, y8 -> y7/..');
    expect(error).toContain('y: symlink resolving outside the repository (through y -> x/.., x -> .)');
  }, 120_000);

  it('a symlink reaching into .git through another link is refused', async () => {
    const { error } = await attempt('intogit', makeCmd({ d: '.', cfg: 'd/.git/config' }));
    expect(error).toMatch(/cfg: symlink (pointing|resolving) into \.git/);
  }, 120_000);

  it('a forbidden glob matches whatever the case: key.PEM is refused by **/*.pem', async () => {
    const { error } = await attempt('pem', makeCmd({}, { 'certs/key.PEM': '-----BEGIN PRIVATE KEY-----\n' }));
    expect(error).toMatch(/constraints: certs\/key\.PEM: matches a forbidden glob/);
  }, 120_000);

  it('a path git refuses (.GIT/config) fails the task with git\'s reason', async () => {
    const { error } = await attempt('gitpath', makeCmd({}, { '.GIT/config': '[core]\n', 'src/ok.js': '1;\n' }));
    expect(error).toMatch(/^cannot make the patch: .*invalid path '\.GIT\/config'/s);
  }, 120_000);

  it('a patch over patch_rules.max_bytes fails the task and is never stored', async () => {
    const { error } = await attempt('huge', makeCmd({}, { 'src/big.txt': 'x'.repeat(50_000) }), { max_bytes: 10_000 });
    expect(error).toMatch(/^patch refused: it is \d+ bytes, over patch_rules\.max_bytes \(10000\)$/);
    const stored = await suite.db.db.selectFrom('patches').select('id').where('run_id', '=', 'huge').execute();
    expect(stored).toEqual([]);
  }, 120_000);
});
