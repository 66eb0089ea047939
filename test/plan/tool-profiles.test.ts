import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/index.js';
import { issuesOf, pathsAndMessages } from './plan-fixtures.js';

// Issue 15: `tools:` profiles, a task's `prompt` / `prompt_file`, and what `plan check` refuses about them.
const dir = mkdtempSync(join(tmpdir(), 'gantry-tool-profiles-'));
mkdirSync(join(dir, 'repo', 'prompts'), { recursive: true });
writeFileSync(join(dir, 'repo', 'prompts', 'a.md'), 'Do a.\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = (tasks: string, tools = 'tools: { agent: { command: ["node", "agent.js"], env: { MODEL: small, LEVEL: 1 } } }') => `
run: { phase: PH-1, repository: ./repo }
${tools}
workstreams:
  - id: ws
    tasks:
${tasks}
`;
const parse = (text: string) => parsePlan(text, { file: join(dir, 'plan.yaml') });

describe('plan keys tools, prompt and prompt_file', () => {
  it('gives a task naming a profile its command and env (its own env over the profile’s), and keeps the prompts', () => {
    const p = parse(plan(`      - { id: a, tool: agent, prompt_file: prompts/a.md, env: { LEVEL: 2 } }
      - { id: b, tool: agent, command: "./other", prompt: "Do b." }
      - { id: c, command: ["make"] }`));
    expect(p.tasks.map((t) => [t.id, t.tool, t.command, t.env, t.prompt, t.prompt_file])).toEqual([
      ['a', 'agent', ['node', 'agent.js'], { MODEL: 'small', LEVEL: '2' }, undefined, 'prompts/a.md'],
      ['b', 'agent', './other', { MODEL: 'small', LEVEL: '1' }, 'Do b.', undefined],
      ['c', 'make', ['make'], {}, undefined, undefined],
    ]);
    expect(p.circuit_breakers.tools['agent']).toBeDefined();
  });

  it('refuses an unknown profile, a task without command or tool, both prompts, and a missing prompt_file', () => {
    const issues = issuesOf(() => parse(plan(`      - { id: a, tool: agnet }
      - { id: b }
      - { id: c, tool: agent, prompt: "x", prompt_file: prompts/a.md }
      - { id: d, tool: agent, prompt_file: prompts/missing.md }`)));
    expect(pathsAndMessages(issues)).toEqual([
      "workstreams[0].tasks[0].tool: unknown tool profile 'agnet' (did you mean 'agent'?) (profiles: 'agent'): a task without a command runs its tool profile's",
      "workstreams[0].tasks[1]: task 'b' has no command: give it one, or 'tool:' naming a profile of 'tools:'",
      "workstreams[0].tasks[2].prompt_file: task 'c' gives both prompt and prompt_file: keep one",
      `workstreams[0].tasks[3].prompt_file: prompt_file 'prompts/missing.md' is not a file of the repository (${join(dir, 'repo')})`,
    ]);
  });

  it('refuses a prompt_file outside the repository and a profile without a command', () => {
    const issues = issuesOf(() => parse(plan(`      - { id: a, tool: agent, prompt_file: ../secret }`, 'tools: { agent: { env: {} } }')));
    expect(pathsAndMessages(issues).map((l) => l.split(':')[0])).toEqual(['tools.agent.command', 'workstreams[0].tasks[0].prompt_file']);
  });
});

describe('plan key budget', () => {
  it('takes a budget on the run, a workstream and a task; refuses an empty or negative one', () => {
    const text = (b: string) => `
run: { phase: PH-1, repository: ./repo, budget: { cost_usd: 10 } }
workstreams:
  - id: ws
    budget: { tokens: 5000 }
    tasks:
      - { id: a, command: "true", budget: ${b} }
`;
    const p = parse(text('{ cost_usd: 0.5, tokens: 100 }'));
    expect([p.run.budget, p.workstreams[0]!.budget, p.tasks[0]!.budget]).toEqual([{ cost_usd: 10 }, { tokens: 5000 }, { cost_usd: 0.5, tokens: 100 }]);
    expect(pathsAndMessages(issuesOf(() => parse(text('{}'))))).toEqual(['workstreams[0].tasks[0].budget: a budget needs cost_usd, tokens or both']);
    expect(pathsAndMessages(issuesOf(() => parse(text('{ tokens: -1 }')))).map((l) => l.split(':')[0])).toEqual(['workstreams[0].tasks[0].budget.tokens']);
  });
});
