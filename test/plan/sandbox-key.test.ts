import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parsePlan, PlanValidationError } from '../../plan/index.js';

const base = (extra: string, task = ''): string => `
run: { phase: PH-1, repository: /repo }
${extra}
workstreams:
  - id: ws
    tasks:
      - { id: a, command: "true"${task} }
      - { id: b, command: "true" }
`;

describe('plan key sandbox', () => {
  it('defaults to auto with network and no extra paths, for the run and every task', () => {
    const plan = parsePlan(base(''), { file: '/plans/p.yaml' });
    const auto = { mode: 'auto', network: true, read_write: [], read_only: [] };
    expect(plan.sandbox).toEqual(auto);
    expect(plan.tasks.map((t) => t.sandbox)).toEqual([auto, auto]);
  });

  it('takes a mode or an object; paths become absolute (plan folder, ~)', () => {
    const plan = parsePlan(base('sandbox: { mode: required, network: false, read_write: [cache, /abs], read_only: ["~/.config"] }'), { file: '/plans/p.yaml' });
    expect(plan.sandbox).toEqual({ mode: 'required', network: false, read_write: ['/plans/cache', '/abs'], read_only: [`${homedir()}/.config`] });
    expect(parsePlan(base('sandbox: none'), { file: '/plans/p.yaml' }).sandbox.mode).toBe('none');
  });

  it('merges a task\'s sandbox over the run-wide one: fields replace, path lists add up', () => {
    const plan = parsePlan(base('sandbox: { network: false, read_write: [/a] }', ', sandbox: { network: true, read_write: [/b] }'), { file: '/plans/p.yaml' });
    expect(plan.tasks[0]!.sandbox).toEqual({ mode: 'auto', network: true, read_write: ['/a', '/b'], read_only: [] });
    expect(plan.tasks[1]!.sandbox).toEqual({ mode: 'auto', network: false, read_write: ['/a'], read_only: [] });
    expect(parsePlan(base('', ', sandbox: none'), { file: '/plans/p.yaml' }).tasks[0]!.sandbox.mode).toBe('none');
  });

  it('names a bad mode or an unknown key where it is', () => {
    const bad = (text: string) => {
      try {
        parsePlan(text, { file: '/plans/p.yaml' });
      } catch (err) {
        if (err instanceof PlanValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
        throw err;
      }
      throw new Error('accepted');
    };
    expect(bad(base('sandbox: always'))).toMatch(/^sandbox: expected one of auto, required, none/);
    expect(bad(base('sandbox: { mode: auto, netwrk: false }'))).toMatch(/sandbox/);
    expect(bad(base('', ', sandbox: { read_write: [""] }'))).toMatch(/workstreams\[0\]\.tasks\[0\]\.sandbox/);
  });
});
