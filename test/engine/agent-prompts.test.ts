import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, type EngineSandbox } from './engine-fixtures.js';

// Issue 15, part 1: a task's prompt reaches its tool on standard input and as GANTRY_PROMPT_FILE, with the attempt's
// variables, inside the sandbox; a tool profile gives the command and env of tasks naming it.

/** A stand-in agent: writes what it received (stdin, the prompt file, the attempt's variables) into its worktree. */
const PROBE = `
const fs = require('fs');
const stdin = fs.readFileSync(0, 'utf8');
const file = fs.readFileSync(process.env.GANTRY_PROMPT_FILE, 'utf8');
const env = ['GANTRY_TASK_ID', 'GANTRY_RUN_ID', 'GANTRY_ATTEMPT', 'GREETING'].map((k) => k + '=' + (process.env[k] ?? '')).join('\\n');
fs.mkdirSync('out', { recursive: true });
fs.writeFileSync('out/' + process.env.GANTRY_TASK_ID + '.txt', ['stdin:' + stdin, 'file:' + file, env, 'worktree-is-cwd=' + (fs.realpathSync(process.env.GANTRY_WORKTREE) === process.cwd())].join('\\n') + '\\n');
`;

/** The content of `path` on branch `main` of `repo`. */
function onMain(repo: string, path: string): string {
  return execFileSync('git', ['-C', repo, 'show', `main:${path}`], { encoding: 'utf8' });
}

describe.each(testDatabases())('prompts and tool profiles (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    box = await suite.sandbox({ 'probe.js': PROBE, 'prompts/docs.md': 'Document the API.\n' });
  });

  it('gives the prompt on stdin and as GANTRY_PROMPT_FILE, with the attempt variables, in the sandbox', async () => {
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'prompted' },
      sandbox: 'required',
      workstreams: [{ id: 'ws', tasks: [{ id: 'p1', command: ['node', 'probe.js'], prompt: 'Add pagination.' }] }],
    });
    expect(status.state).toBe('succeeded');
    expect(onMain(box.repo, 'out/p1.txt')).toBe(
      'stdin:Add pagination.\nfile:Add pagination.\nGANTRY_TASK_ID=p1\nGANTRY_RUN_ID=prompted\nGANTRY_ATTEMPT=1\nGREETING=\nworktree-is-cwd=true\n',
    );
  });

  it('runs a tool profile’s command and env for a task naming it, with prompt_file read from the worktree', async () => {
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'profiled' },
      tools: { agent: { command: ['node', 'probe.js'], env: { GREETING: 'hello' } } },
      workstreams: [{ id: 'ws', tasks: [{ id: 'p2', tool: 'agent', prompt_file: 'prompts/docs.md' }] }],
    });
    expect(status.state).toBe('succeeded');
    expect(onMain(box.repo, 'out/p2.txt')).toBe('stdin:Document the API.\n\nfile:Document the API.\n\nGANTRY_TASK_ID=p2\nGANTRY_RUN_ID=profiled\nGANTRY_ATTEMPT=1\nGREETING=hello\nworktree-is-cwd=true\n');
    // The profile's name stays the task's circuit breaker key.
    const actors = new PersistedActors({ db: suite.db.db });
    expect((await actors.load('circuit_breaker', 'profiled.agent')).state).toBe('CLOSED');
    await actors.close();
  });

  it('fails without retry when prompt_file is not in the worktree at the attempt', async () => {
    await writeFile(join(box.repo, 'uncommitted.md'), 'not in any commit\n'); // plan check sees it, worktrees do not
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'no-prompt' },
      workstreams: [{ id: 'ws', tasks: [{ id: 'p3', command: ['node', 'probe.js'], prompt_file: 'uncommitted.md', max_retries: 3 }] }],
    });
    expect(status.state).toBe('failed');
    const actors = new PersistedActors({ db: suite.db.db });
    const task = await actors.load('task', 'no-prompt.p3');
    await actors.close();
    expect(task.state).toBe('failed');
    expect(task.context['retry_count']).toBe(0);
    expect(task.context['last_error']).toMatch(/prompt_file 'uncommitted.md' is not in the worktree/);
  });
});
