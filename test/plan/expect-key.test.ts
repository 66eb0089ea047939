import { describe, expect, it } from 'vitest';
import { parsePlan, PlanValidationError } from '../../plan/index.js';

const plan = (ws: string, task: string): string => `
run: { phase: PH-1, repository: /repo }
workstreams:
  - id: ws
${ws}
    tasks:
      - { id: a, command: "true"${task} }
      - { id: b, command: "true" }
`;

const issues = (text: string): string => {
  try {
    parsePlan(text, { file: '/plans/p.yaml' });
    return '';
  } catch (err) {
    if (err instanceof PlanValidationError) return err.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    throw err;
  }
};

describe('plan key expect (issue 13: failures by design)', () => {
  it('is absent unless written: a plan without it normalizes exactly as before', () => {
    const p = parsePlan(plan('', ''), { file: '/plans/p.yaml' });
    expect('expect' in p.workstreams[0]!).toBe(false);
    expect(p.tasks.some((t) => 'expect' in t)).toBe(false);
  });

  it('marks a workstream or a task expected to fail (or succeed)', () => {
    const p = parsePlan(plan('    expect: failure', ', expect: failure'), { file: '/plans/p.yaml' });
    expect(p.workstreams[0]!.expect).toBe('failure');
    expect(p.tasks.map((t) => t.expect)).toEqual(['failure', undefined]);
    expect(parsePlan(plan('    expect: success', ''), { file: '/plans/p.yaml' }).workstreams[0]!.expect).toBe('success');
  });

  it('refuses any other value, naming the key', () => {
    expect(issues(plan('    expect: maybe', ''))).toContain('workstreams[0].expect: expected one of success, failure, got the string "maybe"');
    expect(issues(plan('', ', expect: true'))).toMatch(/workstreams\[0\]\.tasks\[0\]\.expect: expected one of success, failure/);
  });
});
