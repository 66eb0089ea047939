import type { PersistedActors } from '../../actors/index.js';

/** Shape of the large run: `workstreams` × `tasksPer` tasks. */
export interface LargeRunShape {
  readonly runId: string;
  readonly workstreams: number;
  readonly tasksPer: number;
}

/** The default: 1,000 tasks in 10 workstreams of 100. */
export const THOUSAND: LargeRunShape = { runId: 'big', workstreams: 10, tasksPer: 100 };

const T0 = 1_700_000_000_000;

/**
 * Writes a run of `shape` through the real actors (`createMany`, then the sends batched): every other task depends on
 * the one before it; one task in ten fails (exit 1), of the others one in seven is left running, the others complete (4 sends each).
 * Returns the task ids.
 */
export async function writeLargeRun(actors: PersistedActors, shape: LargeRunShape = THOUSAND): Promise<string[]> {
  const { runId } = shape;
  const at = (s: number) => T0 + s * 1000;
  await actors.create('run', runId, { now: at(0) });
  await actors.send('run', runId, { type: 'start', now: at(1) });
  const ws = Array.from({ length: shape.workstreams }, (_, w) => `${runId}.ws-${String(w).padStart(2, '0')}`);
  await actors.createMany(ws.map((id) => ({ entityType: 'workstream' as const, id, input: { planned_task_count: shape.tasksPer, now: at(1) }, links: { run_id: runId } })));
  const tasks: { id: string; ws: string; i: number }[] = [];
  for (const w of ws) for (let i = 0; i < shape.tasksPer; i++) tasks.push({ id: `${w}.task-${String(i).padStart(3, '0')}`, ws: w, i });
  const prev = (t: { id: string; i: number; ws: string }) => `${t.ws}.task-${String(t.i - 1).padStart(3, '0')}`;
  for (let b = 0; b < tasks.length; b += 500) {
    await actors.createMany(tasks.slice(b, b + 500).map((t) => ({
      entityType: 'task' as const, id: t.id, links: { run_id: runId, workstream_id: t.ws },
      input: { max_retries: 0, depends_on: t.i % 2 === 1 ? [prev(t)] : [], now: at(2) },
    })));
  }
  const all = (f: (t: { id: string; i: number; ws: string }, k: number) => Promise<unknown> | null) => Promise.all(tasks.map((t, k) => f(t, k)));
  await all((t) => actors.send('task', t.id, { type: 'scheduler_assigned', dependencies: t.i % 2 === 1 ? { [prev(t)]: 'completed' } : {}, now: at(3) }));
  await all((t, k) => actors.send('task', t.id, { type: 'worker_started', worker_id: `agent-${k % 8}`, worker_capabilities: [], now: at(4 + (k % 50)) }));
  await all((t, k) => (k % 10 === 0
    ? actors.send('task', t.id, { type: 'execution_failed', exit_code: 1, error: `exit code 1: task ${t.id} broke`, now: at(60 + (k % 90)) })
    : k % 7 === 3 ? null : actors.send('task', t.id, { type: 'execution_completed', exit_code: 0, now: at(60 + (k % 90)) })));
  await all((t, k) => (k % 7 === 3 || k % 10 === 0 ? null : actors.send('task', t.id, { type: 'validation_passed', gates: {}, ledger_state: null, now: at(160 + (k % 90)) })));
  return tasks.map((t) => t.id);
}
