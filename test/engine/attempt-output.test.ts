import { describe, expect, it } from 'vitest';
import { ATTEMPT_OUTPUT_MAX_BYTES, readEntityOutput, recordAttemptOutput } from '../../persistence/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan } from './engine-fixtures.js';

/** A node one-liner as an argv command. */
const node = (code: string): string[] => ['node', '-e', code];

describe.each(testDatabases())('task attempt output kept in task_attempt_outputs (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('stores every attempt’s stdout and stderr with its exit code, NULs removed, capped per stream with the truncation marked', async () => {
    const box = await suite.sandbox();
    const over = ATTEMPT_OUTPUT_MAX_BYTES + 1000;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'att-out' },
      workstreams: [
        {
          id: 'ws',
          tasks: [
            { id: 'noisy', command: node(`process.stdout.write('x'.repeat(${over})); process.stderr.write('a\\u0000b'); process.exitCode = 5`), max_retries: 1 },
          ],
        },
      ],
    });
    expect(status.state).toBe('failed');
    const rows = await suite.db.db.selectFrom('task_attempt_outputs').selectAll().where('task_id', '=', 'att-out.noisy').orderBy('attempt').execute();
    expect(rows.map((r) => [r.attempt, r.run_id, r.exit_code, r.stdout.length, r.stdout_truncated, r.stderr, r.stderr_truncated])).toEqual([
      [1, 'att-out', 5, ATTEMPT_OUTPUT_MAX_BYTES, true, 'ab', false],
      [2, 'att-out', 5, ATTEMPT_OUTPUT_MAX_BYTES, true, 'ab', false],
    ]);
    const newest = await readEntityOutput(suite.db.db, 'att-out.noisy');
    expect(newest).toMatchObject({ entityType: 'task', attempt: 2, attempts: [1, 2], state: 'failed', exitCode: 5, stderr: 'ab', stdoutTruncated: true });
    expect((await readEntityOutput(suite.db.db, 'att-out.noisy', 1))?.attempt).toBe(1);
    expect(await readEntityOutput(suite.db.db, 'no-such-task')).toBeNull();
  });

  it('replaces the row of an attempt written twice, and never cuts inside a character', async () => {
    const box = await suite.sandbox();
    await runSandboxPlan(box, suite.db, { run: { id: 'att-two' }, workstreams: [{ id: 'ws', tasks: [{ id: 't', command: node('1') }] }] });
    const base = { taskId: 'att-two.t', attempt: 1, runId: 'att-two', exitCode: 0, stdoutTruncated: false, stderrTruncated: false };
    await recordAttemptOutput(suite.db.db, { ...base, stdout: 'é'.repeat(ATTEMPT_OUTPUT_MAX_BYTES), stderr: '' });
    const row = await suite.db.db.selectFrom('task_attempt_outputs').selectAll().where('task_id', '=', 'att-two.t').executeTakeFirstOrThrow();
    expect(row.stdout).toBe('é'.repeat(ATTEMPT_OUTPUT_MAX_BYTES / 2));
    expect(row.stdout_truncated).toBe(true);
  });
});
