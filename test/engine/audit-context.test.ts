import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors, type CanonicalEvent } from '../../actors/index.js';
import { runPlan } from '../../engine/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, writeCmd } from './engine-fixtures.js';

async function lines(file: string): Promise<CanonicalEvent[]> {
  return (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as CanonicalEvent);
}

describe.each(testDatabases())('transitions.jsonl context and severity (SSOT §7.1–7.2) on %s', (kind) => {
  const suite = engineSuite(kind);

  it('every line of a run carries its run_id and phase_id; a workstream its own id and its tasks theirs', async () => {
    const box = await suite.sandbox();
    const file = join(box.dir, 'plan.json');
    await writeFile(file, JSON.stringify({
      run: { id: 'ctx', phase: 'PH-ctx', repository: './repo', target_branch: 'main' },
      circuit_breakers: { tools: { node: { failure_threshold: 3 } } },
      workstreams: [{
        id: 'core',
        gates: [{ id: 'unit', type: 'UNIT', command: ['node', '-e', '0'] }],
        tasks: [{ id: 'write', command: writeCmd('src/a.js', '1;\n'), gates: ['unit'] }],
      }],
    }));
    const log = join(box.stateDir, 'transitions.jsonl');
    const actors = new PersistedActors({ db: suite.db.db, transitionLog: log });
    const status = await runPlan(actors, suite.db.db, await loadPlan(file), { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200 });
    await actors.close();
    expect(status.state).toBe('succeeded');
    const events = await lines(log);
    const types = new Set(events.map((e) => e.entity_type));
    expect([...types].sort()).toEqual(['circuit_breaker', 'patch_ledger', 'run', 'task', 'test_gate', 'uet_worker', 'worker', 'workstream']);
    for (const e of events) {
      expect(e.context.run_id, `${e.entity_type} ${e.entity_id} ${e.trigger}`).toBe('ctx');
      expect(e.context.phase_id, `${e.entity_type} ${e.entity_id} ${e.trigger}`).toBe('PH-ctx');
    }
    for (const e of events.filter((x) => x.entity_type === 'workstream')) expect(e.context.workstream_id).toBe('ctx.core');
    for (const e of events.filter((x) => ['task', 'patch_ledger', 'test_gate'].includes(x.entity_type))) expect(e.context.workstream_id).toBe('ctx.core');
  });

  it('a UET worker that failed to spawn is logged at severity error (a failure, SSOT §7.2.2)', async () => {
    const box = await suite.sandbox();
    const log = join(box.dir, 'spawn.jsonl');
    const actors = new PersistedActors({ db: suite.db.db, transitionLog: log });
    await actors.create('uet_worker', 'spawn-x', {});
    await actors.send('uet_worker', 'spawn-x', { type: 'spawn_failed', error: 'no such binary' });
    await actors.close();
    const failed = (await lines(log)).find((e) => e.trigger === 'spawn_failed')!;
    expect([failed.to_state, failed.severity]).toEqual(['TERMINATED', 'error']);
  });
});
