import type { SendEventOf } from '../../machines/index.js';

/** Input of the task used by the restart test. */
export const RESTART_INPUT = { now: 1_800_000_000_000, max_retries: 2, depends_on: ['dep'], required_capabilities: ['node'] };

const T = RESTART_INPUT.now;

/** Events sent by the first process, before the restart. */
export const RESTART_SCRIPT_A: SendEventOf<'task'>[] = [
  { type: 'scheduler_assigned', now: T + 1_000, dependencies: { dep: 'completed' } },
  { type: 'worker_started', now: T + 2_000, worker_id: 'agent-1', worker_capabilities: ['node'] },
  { type: 'execution_failed', now: T + 3_000, exit_code: 1, jitter: 0.25 },
];

/** Events sent by the second process, after the restart. */
export const RESTART_SCRIPT_B: SendEventOf<'task'>[] = [
  { type: 'retry_delay_elapsed', now: T + 60_000 },
  { type: 'worker_started', now: T + 61_000, worker_id: 'agent-2', worker_capabilities: ['node', 'git'] },
  { type: 'execution_completed', now: T + 62_000, exit_code: 0 },
  { type: 'validation_passed', now: T + 63_000, gates: {}, ledger_state: null },
];
