import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type PlanIssue, PlanValidationError, parsePlan } from '../../plan/index.js';

/** Folder of the committed plan fixtures. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A plain-data plan: what a YAML or JSON plan file decodes to. */
export type PlanData = Record<string, unknown>;

/** The smallest valid plan: one workstream with one task, every other field left to its default. */
export function minimalPlan(): PlanData {
  return {
    run: { phase: 'PH-1', repository: './repo' },
    workstreams: [{ id: 'ws-a', tasks: [{ id: 'a1', command: ['node', 'a.js'] }] }],
  };
}

/** A plan with two workstreams, gates and pools, valid as it stands; tests break one thing at a time. */
export function richPlan(): PlanData {
  return {
    run: { id: 'run-1', phase: 'PH-1', repository: '.' },
    workers: {
      orchestration: [
        { id: 'agent', count: 2, capabilities: ['node', 'git'] },
        { id: 'gpu', capabilities: ['node', 'cuda'], affinity: ['ws-b'] },
      ],
    },
    workstreams: [
      {
        id: 'ws-a',
        gates: [
          { id: 'lint', type: 'LINT', command: 'npx eslint .' },
          { id: 'unit', type: 'UNIT', command: ['node', '--test'], depends_on: ['lint'] },
        ],
        tasks: [
          { id: 'a1', command: ['node', 'a1.js'], gates: ['lint', 'unit'], requires: ['node'] },
          { id: 'a2', command: 'node a2.js', depends_on: ['a1'] },
        ],
      },
      {
        id: 'ws-b',
        depends_on: ['ws-a'],
        gates: [{ id: 'lint', type: 'LINT', command: 'true' }],
        tasks: [
          { id: 'b1', command: ['train'], requires: ['cuda'], gates: ['lint'] },
          { id: 'b2', command: ['node', 'b2.js'], depends_on: ['b1', 'a2'] },
        ],
      },
    ],
  };
}

/** Parses plain data as a JSON plan file named `name`. */
export function parseData(data: unknown, name = 'plan.json') {
  return parsePlan(JSON.stringify(data, null, 2), { file: name });
}

/** The issues of the `PlanValidationError` that `run` throws (fails the test if it throws anything else or nothing). */
export function issuesOf(run: () => unknown): readonly PlanIssue[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PlanValidationError);
    return (err as PlanValidationError).issues;
  }
  throw new Error('expected a PlanValidationError, but the plan was accepted');
}

/** `path: message` of each issue, for compact assertions. */
export function pathsAndMessages(issues: readonly PlanIssue[]): string[] {
  return issues.map((i) => `${i.path}: ${i.message}`);
}
