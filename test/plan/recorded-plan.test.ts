import { describe, expect, it } from 'vitest';
import { parsePlan, recordedPlan, RecordedPlanError } from '../../plan/index.js';

// The plan a run recorded in `run_sources` comes back from the database as JSON: typed again only when it has a
// normalized plan's shape and names the run (engine/run-source.ts, join-run.ts, worker-process.ts, ops/rollback-patch.ts).
describe('recordedPlan', () => {
  const plan = parsePlan(JSON.stringify({
    run: { id: 'rp', phase: 'PH-1', repository: '.', target_branch: 'main' },
    workstreams: [{ id: 'w', tasks: [{ id: 't', command: 'true' }] }],
  }), { format: 'json' });
  const json = JSON.parse(JSON.stringify(plan)) as unknown;

  it('types a normalized plan of the run, as stored', () => {
    expect(recordedPlan(json, 'rp')).toEqual(json);
    expect(recordedPlan(json, 'rp').workstreams[0]!.tasks[0]!.id).toBe('t');
  });

  it('refuses another run’s plan, a plan of another shape, and what is not an object, naming the run', () => {
    expect(() => recordedPlan(json, 'other')).toThrow(RecordedPlanError);
    const { workstreams: _gone, ...partial } = json as Record<string, unknown>;
    expect(() => recordedPlan(partial, 'rp')).toThrow('run rp: the plan recorded in the database is not a normalized plan of this run (found an object of another shape)');
    expect(() => recordedPlan([json], 'rp')).toThrow('(found an array)');
    expect(() => recordedPlan(null, 'rp')).toThrow('(found null)');
  });
});
