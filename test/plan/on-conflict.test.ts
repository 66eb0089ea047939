import { describe, expect, it } from 'vitest';
import { issuesOf, minimalPlan, parseData, pathsAndMessages } from './plan-fixtures.js';

type Obj = Record<string, unknown>;

/** The minimal plan with `fields` on its workstream. */
function withWorkstream(fields: Obj): Obj {
  const data = minimalPlan();
  Object.assign((data['workstreams'] as Obj[])[0]!, fields);
  return data;
}

// Issue 15 part 2: a workstream's `on_conflict` (fail | rebase | rerun, default rebase) and `max_conflict_rounds`
// (default 2, bounded like the plan's other numbers).
describe('workstreams[].on_conflict and max_conflict_rounds', () => {
  it('default to rebase and 2 rounds', () => {
    const ws = parseData(minimalPlan()).workstreams[0]!;
    expect(ws.on_conflict).toBe('rebase');
    expect(ws.max_conflict_rounds).toBe(2);
  });

  it.each(['fail', 'rebase', 'rerun'] as const)('take %s', (value) => {
    const ws = parseData(withWorkstream({ on_conflict: value, max_conflict_rounds: 5 })).workstreams[0]!;
    expect(ws.on_conflict).toBe(value);
    expect(ws.max_conflict_rounds).toBe(5);
  });

  it('refuse any other on_conflict, naming the key and the choices', () => {
    expect(pathsAndMessages(issuesOf(() => parseData(withWorkstream({ on_conflict: 'merge' }))))).toEqual(['workstreams[0].on_conflict: expected one of fail, rebase, rerun, got the string "merge"']);
  });

  it('bound max_conflict_rounds to 0…20, saying why', () => {
    expect(pathsAndMessages(issuesOf(() => parseData(withWorkstream({ max_conflict_rounds: 21 }))))).toEqual([
      "workstreams[0].max_conflict_rounds: expected a number ≤ 20 (each conflict round replays or re-runs the workstream's tasks and gates as new persisted entities), got the integer 21",
    ]);
    expect(issuesOf(() => parseData(withWorkstream({ max_conflict_rounds: -1 })))).toHaveLength(1);
    expect(issuesOf(() => parseData(withWorkstream({ max_conflict_rounds: 1.5 })))).toHaveLength(1);
    expect(parseData(withWorkstream({ max_conflict_rounds: 0 })).workstreams[0]!.max_conflict_rounds).toBe(0);
  });
});
