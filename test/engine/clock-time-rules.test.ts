import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { testDatabases } from '../support/test-database.js';
import { TestClock } from '../support/test-clock.js';
import { engineSuite, runSandboxPlan } from './engine-fixtures.js';

// Issue 12: the engine's time rules read one injected clock, so a test clock runs them in milliseconds. A retry
// delay of a minute (SSOT §1.4, retry_at) and a breaker cooldown of ten minutes (SSOT §2.4) pass on a clock whose
// waits take no time; the audit still shows the machine saw them elapse.

describe.each(testDatabases())('time rules on a test clock (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('a task that fails once waits out a 60 s retry delay and a 600 s OPEN breaker, then succeeds', async () => {
    const box = await suite.sandbox();
    await mkdir(join(box.dir, 'marks'));
    const marker = join(box.dir, 'marks', 'tried-once');
    const clock = new TestClock();
    const { status } = await runSandboxPlan(
      box,
      suite.db,
      {
        run: { id: 'clock' },
        sandbox: { read_write: [join(box.dir, 'marks')] },
        retry: { backoff_base_ms: 60_000, backoff_cap_ms: 60_000 },
        workers: { orchestration: [{ id: 'agent', count: 1, capabilities: [] }], recovery_timeout_sec: 3600 },
        circuit_breakers: { tools: { sh: { failure_threshold: 1, cooldown_seconds: 600 } } },
        workstreams: [
          {
            id: 'core',
            tasks: [{ id: 'once', tool: 'sh', command: 'if [ -f "$MARK" ]; then echo fixed > src/fixed.js; else touch "$MARK"; exit 1; fi', env: { MARK: marker } }],
          },
        ],
      },
      { clock, jitter: () => 1 },
    );
    expect(status.state).toBe('succeeded');
    const actors = new PersistedActors({ db: suite.db.db });
    const at = (rows: { trigger: string; transitionedAt: Date }[], trigger: string): number => rows.find((r) => r.trigger === trigger)!.transitionedAt.getTime();
    const task = await actors.history('task', 'clock.once');
    expect(task.map((r) => r.trigger)).toEqual([
      'create', 'scheduler_assigned', 'worker_started', 'execution_failed', 'retry_delay_elapsed', 'worker_started', 'execution_completed', 'validation_passed',
    ]);
    // The machine's own guards let the retry and the trial through only once the clock had passed them.
    expect(at(task, 'retry_delay_elapsed') - at(task, 'execution_failed')).toBeGreaterThanOrEqual(60_000);
    const breaker = await actors.history('circuit_breaker', 'clock.sh');
    expect(breaker.map((r) => `${r.trigger}:${r.toState}`)).toEqual(['create:CLOSED', 'call_failed:OPEN', 'cooldown_elapsed:HALF_OPEN', 'call_succeeded:CLOSED']);
    expect(at(breaker, 'cooldown_elapsed') - at(breaker, 'call_failed')).toBeGreaterThanOrEqual(600_000);
    // The waits were the test clock's, not the wall's: it skipped ahead past the retry delay at least.
    expect(clock.skippedMs).toBeGreaterThan(60_000);
    await actors.close();
  });
});
