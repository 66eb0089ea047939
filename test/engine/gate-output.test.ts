import { describe, expect, it } from 'vitest';
import { GATE_OUTPUT_MAX_BYTES } from '../../engine/run-gates.js';
import { recordGateOutput } from '../../persistence/record-gate-output.js';
import { EntityNotFoundError } from '../../persistence/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, runSandboxPlan, writeCmd } from './engine-fixtures.js';

/** A node one-liner as an argv command. */
const node = (code: string): string[] => ['node', '-e', code];

describe.each(testDatabases())('gate output stored in test_gates (%s)', (kind) => {
  const suite = engineSuite(kind);

  it('keeps each finished gate’s stdout and stderr, NULs removed, capped per stream with the truncation marked', async () => {
    const box = await suite.sandbox();
    const over = GATE_OUTPUT_MAX_BYTES + 1000;
    const { status } = await runSandboxPlan(box, suite.db, {
      run: { id: 'gate-out' },
      workstreams: [
        {
          id: 'ws',
          gates: [
            { id: 'both', type: 'LINT', command: 'echo "to stdout"; echo "to stderr" >&2' },
            { id: 'nul', type: 'UNIT', command: node("process.stdout.write('a\\u0000b\\u0000c'); process.stderr.write('\\u0000x')"), depends_on: ['both'] },
            { id: 'big', type: 'UNIT', command: node(`process.stdout.write('x'.repeat(${over})); process.stderr.write('small'); process.exitCode = 1`) },
          ],
          tasks: [{ id: 't', command: writeCmd('src/t.js', '1;\n'), gates: ['both', 'nul', 'big'], max_retries: 0 }],
        },
      ],
    });
    expect(status.state).toBe('failed');
    const rows = await suite.db.db
      .selectFrom('test_gates')
      .select(['id', 'state', 'stdout', 'stderr', 'stdout_truncated', 'stderr_truncated'])
      .where('run_id', '=', 'gate-out')
      .orderBy('id')
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(by['gate-out.t.both.a1']).toEqual({ id: 'gate-out.t.both.a1', state: 'PASSED', stdout: 'to stdout\n', stderr: 'to stderr\n', stdout_truncated: false, stderr_truncated: false });
    expect(by['gate-out.t.nul.a1']).toEqual({ id: 'gate-out.t.nul.a1', state: 'PASSED', stdout: 'abc', stderr: 'x', stdout_truncated: false, stderr_truncated: false });
    const big = by['gate-out.t.big.a1']!;
    expect(big.state).toBe('FAILED');
    // The kept head, then the runner's truncation mark (exec/output-capture.ts).
    expect(big.stdout).toBe(`${'x'.repeat(GATE_OUTPUT_MAX_BYTES)}\n[gantry: output truncated, 1000 bytes dropped]\n`);
    expect(big.stdout_truncated).toBe(true);
    expect(big.stderr).toBe('small');
    expect(big.stderr_truncated).toBe(false);
  });

  it('refuses to record the output of a gate that does not exist', async () => {
    await expect(recordGateOutput(suite.db.db, 'no-such-gate', { stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false })).rejects.toBeInstanceOf(EntityNotFoundError);
  });
});
