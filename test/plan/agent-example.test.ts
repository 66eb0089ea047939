import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRunSandbox } from '../../engine/task-sandbox.js';
import { SandboxUnavailableError } from '../../exec/index.js';
import { loadPlan } from '../../plan/index.js';
import { ROOT } from '../cli/run-gantry.js';

// Issue 11: the agent example requires the sandbox — coding agents never run unsandboxed because bubblewrap is missing.
describe('examples/agent/plan.yaml', () => {
  const file = join(ROOT, 'examples', 'agent', 'plan.yaml');

  it('is a valid plan whose every task requires the sandbox, with the network on and the agent’s own folders writable', async () => {
    const plan = await loadPlan(file);
    expect(plan.tasks.length).toBeGreaterThan(0);
    for (const t of plan.tasks) {
      expect(t.sandbox, t.id).toEqual({ mode: 'required', network: true, read_only: [], read_write: ['.claude', '.claude.json', '.cache'].map((p) => join(homedir(), p)) });
      expect(t.tool, t.id).toBe('agent');
    }
  });

  it('runs the agent as a tool profile, each task giving its prompt (issue 15)', async () => {
    const plan = await loadPlan(file);
    for (const t of plan.tasks) {
      expect(t.command, t.id).toEqual(['sh', '-c', 'exec $GANTRY_AGENT "$(cat "$GANTRY_PROMPT_FILE")"']);
      expect(t.prompt, t.id).toMatch(/\S/);
    }
  });

  it('refuses to start where bubblewrap does not work, saying how to install it', async () => {
    const plan = await loadPlan(file);
    const refused = checkRunSandbox({ stateDir: join(ROOT, '.state', 'never-used'), sandboxPath: '/nonexistent-bin', onWarning: () => {} }, plan);
    await expect(refused).rejects.toBeInstanceOf(SandboxUnavailableError);
    await expect(refused).rejects.toThrow(/apt-get install bubblewrap/);
  });
});
