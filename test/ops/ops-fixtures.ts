import type { PersistedActors } from '../../actors/index.js';

/** Entities in the states every manual override applies to, created through the real machines. */
export async function overrideFixtures(actors: PersistedActors, prefix = ''): Promise<Record<string, string>> {
  const id = (s: string) => `${prefix}${s}`;
  const running = async (t: string) => {
    await actors.create('task', id(t), { max_retries: 2 });
    await actors.send('task', id(t), { type: 'scheduler_assigned' });
    await actors.send('task', id(t), { type: 'worker_started', worker_id: 'agent-1', worker_capabilities: [] });
  };
  await running('t-complete');
  await actors.create('task', id('t-fail'), {});
  await actors.send('task', id('t-fail'), { type: 'scheduler_assigned' });
  await running('t-reset');
  await actors.send('task', id('t-reset'), { type: 'execution_failed', exit_code: 1, error: 'boom' });
  await actors.create('task', id('t-blocked'), { depends_on: ['up'] });
  await actors.send('task', id('t-blocked'), { type: 'dependency_check_failed', dependencies: { up: 'running' } });
  await actors.create('workstream', id('ws-fail'), { planned_task_count: 1 });
  await actors.create('workstream', id('ws-ok'), { planned_task_count: 1 });
  await actors.send('workstream', id('ws-ok'), { type: 'tasks_created', task_count: 1, dependencies: {} });
  await actors.send('workstream', id('ws-ok'), { type: 'task_started', tasks: [{ id: 'x', state: 'running' }] });
  await actors.create('circuit_breaker', id('codemod'), { failure_threshold: 1 });
  await actors.send('circuit_breaker', id('codemod'), { type: 'call_failed', error: 'down' });
  return {
    'complete-task': id('t-complete'),
    'fail-task': id('t-fail'),
    'reset-task': id('t-reset'),
    'unblock-task': id('t-blocked'),
    'fail-workstream': id('ws-fail'),
    'validate-workstream': id('ws-ok'),
    'reset-breaker': id('codemod'),
  };
}

/** The state each override leaves its fixture in. */
export const OVERRIDE_TARGETS: Readonly<Record<string, [string, string]>> = {
  'complete-task': ['task', 'completed'],
  'fail-task': ['task', 'failed'],
  'reset-task': ['task', 'pending'],
  'unblock-task': ['task', 'pending'],
  'fail-workstream': ['workstream', 'failed'],
  'validate-workstream': ['workstream', 'completed'],
  'reset-breaker': ['circuit_breaker', 'CLOSED'],
};
