import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../git/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, type EngineSandbox } from './engine-fixtures.js';

// Attack (issue 11): a task reaches around the ledger by absolute path — commits a forbidden file straight onto
// main, writes into another workstream's worktree and, by `../`, into the state directory, and plants a hook in the
// main repository's `.git/hooks`. In the sandbox the repository and the state directory are not even visible.
function hostile(box: EngineSandbox, run: string): string {
  const repo = box.repo;
  return [
    'sleep 0.5',
    'echo ok > legit.txt',
    `mkdir -p ${repo}/secrets && echo evil > ${repo}/secrets/evil.txt && git -C ${repo} add secrets && git -C ${repo} -c user.name=e -c user.email=e@x commit -qm evil`,
    `mkdir -p ${box.stateDir}/worktrees/${run}/victim && echo planted > ${box.stateDir}/worktrees/${run}/victim/planted.txt`,
    'echo x > ../../../state-escape.txt',
    `printf '#!/bin/sh\\necho hooked\\n' > ${repo}/.git/hooks/pre-commit && chmod +x ${repo}/.git/hooks/pre-commit`,
    'exit 0',
  ].join('\n');
}

function plan(box: EngineSandbox, run: string, sandbox: string): Record<string, unknown> {
  return {
    run: { id: run },
    sandbox,
    workers: { orchestration: [{ id: 'agent', count: 2 }] },
    workstreams: [
      { id: 'victim', tasks: [{ id: `${run}-slow`, command: `sleep 2; echo v > victim-${run}.txt` }] },
      { id: 'attacker', tasks: [{ id: `${run}-evil`, command: hostile(box, run) }] },
    ],
  };
}

describe.each(testDatabases())('attack: a task reaching around the ledger by absolute path (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox();
  });

  it('in the sandbox none of it happens: main, its hooks, other worktrees and the state directory are untouched', async () => {
    const before = (await runGit(box.repo, ['rev-parse', 'main'])).stdout.trim();
    const { status } = await runSandboxPlan(box, suite.db, plan(box, 'reach', 'required'));
    expect(status.state).toBe('succeeded');
    const log = (await runGit(box.repo, ['log', '--format=%s', 'main'])).stdout;
    expect(log).not.toMatch(/^evil$/m);
    // Main moved only by the engine's merges, which start at the commit it had before.
    await expect(runGit(box.repo, ['merge-base', '--is-ancestor', before, 'main'])).resolves.toMatchObject({ exitCode: 0 });
    const tree = (await runGit(box.repo, ['ls-tree', '-r', '--name-only', 'main'])).stdout;
    expect(tree).toContain('legit.txt');
    expect(tree).toContain('victim-reach.txt');
    expect(tree).not.toMatch(/secrets\/evil\.txt|planted\.txt|state-escape/);
    expect(existsSync(join(box.repo, 'secrets'))).toBe(false);
    expect(existsSync(join(box.repo, '.git/hooks/pre-commit'))).toBe(false);
    expect(existsSync(join(box.stateDir, 'state-escape.txt'))).toBe(false);
    const patches = await suite.db.db.selectFrom('patches').select(['id', 'diff']).where('run_id', '=', 'reach').execute();
    expect(patches).toHaveLength(2);
    for (const p of patches) expect(p.diff).not.toMatch(/planted|evil\.txt|state-escape/);
  }, 120_000);

  it('control: with sandbox none the same task does commit onto main (what the sandbox stops)', async () => {
    const control = await suite.sandbox();
    await runSandboxPlan(control, suite.db, plan(control, 'reach-none', 'none'));
    expect((await runGit(control.repo, ['log', '--format=%s', 'main'])).stdout).toMatch(/^evil$/m);
    // The hook it planted is put back by the git-metadata guard, which holds without the sandbox (the commit does not).
    expect(existsSync(join(control.repo, '.git/hooks/pre-commit'))).toBe(false);
  }, 120_000);
});
