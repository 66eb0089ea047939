/**
 * Compile-time tests of the typed actor API (checked by `tsc --noEmit`, never run): each `@ts-expect-error` line must
 * fail to compile, or the expectation itself becomes an error. The functions are declared, not called.
 */
import type { AnyCommittedTransition, CreateItem, EntityView, PersistedActors } from '../../actors/index.js';
import type { ContextOf, EntityType, EntityTypes, EventOf, SendEventOf, StateOf, TaskContext, TaskState, WorkerContext } from '../../machines/index.js';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

/** The derived types are the machines' own. */
export function derivedTypes(): void {
  same<ContextOf<'task'>, TaskContext>(true);
  same<ContextOf<'worker'>, WorkerContext>(true);
  same<StateOf<'task'>, TaskState>(true);
  same<EntityTypes['task']['context'], TaskContext>(true);
  same<EventOf<'task'>['type'], keyof typeof import('../../machines/task-machine.js').taskEventSchemas>(true);
  // @ts-expect-error the contexts of two machines differ
  same<ContextOf<'task'>, WorkerContext>(true);
}

/** Correct uses compile; wrong events, payloads, entity types and state names do not. */
export async function sends(actors: PersistedActors): Promise<void> {
  await actors.send('task', 't1', { type: 'scheduler_assigned' });
  await actors.send('task', 't1', { type: 'worker_started', worker_id: 'w1', worker_capabilities: ['node'], now: 1 });
  await actors.send('worker', 'w1', { type: 'task_assigned', task_id: 't1', workstream_id: 'ws1' });
  await actors.send('circuit_breaker', 'cb', { type: 'call_failed', error: 'boom' });

  // @ts-expect-error an event the task machine does not have
  await actors.send('task', 't1', { type: 'no_such_event' });
  // @ts-expect-error an event of another machine (workers have heartbeats, tasks do not)
  await actors.send('task', 't1', { type: 'heartbeat' });
  // @ts-expect-error a payload of the wrong shape: worker_id is a string
  await actors.send('task', 't1', { type: 'worker_started', worker_id: 42, worker_capabilities: [] });
  // @ts-expect-error a required payload field is missing (exit_code)
  await actors.send('task', 't1', { type: 'execution_completed' });
  // @ts-expect-error a field the event does not have
  await actors.send('task', 't1', { type: 'user_cancelled', bogus: true });
  // @ts-expect-error an unknown entity type
  await actors.send('tsak', 't1', { type: 'scheduler_assigned' });
  // @ts-expect-error an unknown entity type
  await actors.load('spaceship', 's1');
}

/** `load` returns the entity's typed state and context. */
export async function loads(actors: PersistedActors): Promise<void> {
  const task = await actors.load('task', 't1');
  const retries: number = task.context.retry_count;
  const worker: string | null = task.context.worker_id;
  if (task.state === 'retrying') void retries;
  // @ts-expect-error 'IDLE' is a state of the UET worker, not of the task
  if (task.state === 'IDLE') void worker;
  // @ts-expect-error a misspelt state name
  if (task.state === 'complete') void worker;
  // @ts-expect-error the task context has no current_tasks (the worker's does)
  void task.context.current_tasks;
  const w = await actors.load('worker', 'w1');
  const held: string[] = w.context.current_tasks;
  void held;
  // @ts-expect-error retry_count is a number
  const wrong: string = task.context.retry_count;
  void wrong;
  const view: EntityView<'task'> = task;
  void view;
}

/** create, createMany, claim and subscribe are typed the same way. */
export async function others(actors: PersistedActors): Promise<void> {
  const t = await actors.create('task', 't2', { max_retries: 2 });
  same<typeof t.state, TaskState>(true);
  // @ts-expect-error max_retries is a number
  await actors.create('task', 't3', { max_retries: 'two' });
  // @ts-expect-error an unknown entity type
  await actors.create('spaceship', 's1');
  const items: CreateItem[] = [{ entityType: 'task', id: 't4', input: { is_critical: true } }];
  // @ts-expect-error the input of a task given to a worker
  items.push({ entityType: 'worker', id: 'w9', input: { is_critical: true } });
  const claimed = await actors.claim({ workerId: 'w1', capabilities: [] });
  const ids: (string | null)[] = claimed.map((c) => c.context.worker_id);
  void ids;
  actors.subscribe('task', (c) => {
    const n: number = c.context.retry_count;
    // @ts-expect-error a worker state compared with a task transition's target
    if (c.to === 'busy') void n;
  });
  actors.subscribe((c: AnyCommittedTransition) => {
    if (c.entityType === 'worker') {
      const load: number = c.context.current_load;
      void load;
    }
  });
}

/** The untrusted entries take anything and check it at run time. */
export async function untrusted(actors: PersistedActors, type: string, body: unknown): Promise<void> {
  await actors.sendUntrusted(type, 'x', body);
  await actors.createUntrusted(type, 'x', body);
  const v = await actors.loadUntrusted(type, 'x');
  const e: EntityType = v.entityType;
  void e;
  const ev: SendEventOf<'task'> = { type: 'user_cancelled', reason: 'no longer needed' };
  void ev;
}
