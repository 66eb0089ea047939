import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAudit, verifyAudit } from '../../actors/index.js';
import { addOperator } from '../../ops/index.js';
import { loadEntity, readHistory } from '../../persistence/index.js';
import { makeSandbox, runSandboxPlan, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { auditCount, cliDatabase, type CliDatabase } from './recovery-fixtures.js';

// SSOT §5.3 "reset a circuit breaker after checking the tool answers", on a breaker a real run opened.
describe.each(testDatabases())('gantry playbook reset-breaker (%s)', (kind) => {
  let cli: CliDatabase;
  let box: EngineSandbox;
  let auth: string[];
  const breaker = 'br.flaky';
  const state = () => cli.use(async (h) => ({ state: (await loadEntity(h.db, 'circuit_breaker', breaker))?.state, rows: await auditCount(h) }));

  beforeAll(async () => {
    cli = await cliDatabase(kind);
    box = await makeSandbox();
    const { status } = await cli.use((h) =>
      runSandboxPlan(box, { ...h, url: null }, {
        run: { id: 'br' },
        circuit_breakers: { tools: { flaky: { failure_threshold: 1 } } },
        workstreams: [{ id: 'tools', tasks: [{ id: 'call-flaky', tool: 'flaky', command: 'exit 3', max_retries: 0 }] }],
      }),
    );
    expect(status.state).toBe('failed');
    const token = await cli.use((h) => addOperator(h.db, 'ops-1'));
    auth = ['--operator', 'ops-1', '--token', token];
    expect((await state()).state).toBe('OPEN');
  }, 120_000);
  afterAll(async () => {
    await cli?.cleanup();
    await box?.cleanup();
  });

  it('is refused without authority and when the tool check fails (exit 1, breaker left OPEN, nothing written)', async () => {
    const before = await state();
    const noAuth = await cli.gantry('playbook', 'reset-breaker', breaker, '--check', 'true', '--reason', 'tool is back');
    expect(noAuth.code).toBe(1);
    expect(noAuth.stderr).toMatch(/manual override refused: no operator identity/);
    const failing = await cli.gantry('playbook', 'reset-breaker', breaker, '--check', 'echo still down >&2; exit 4', '--reason', 'tool is back', ...auth);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/reset-breaker br\.flaky refused: the tool check 'echo still down >&2; exit 4' exited 4: still down \(breaker left as it was, nothing written\)/);
    const noCheck = await cli.gantry('playbook', 'reset-breaker', breaker, '--reason', 'x', ...auth);
    expect(noCheck.code).toBe(2);
    expect(noCheck.stderr).toMatch(/--check CMD is required/);
    expect(await state()).toEqual(before);
  }, 60_000);

  it('resets the breaker to CLOSED once the check exits 0, audited with the operator', async () => {
    const r = await cli.gantry('playbook', 'reset-breaker', breaker, '--check', 'node -e "process.exit(0)"', '--reason', 'tool is back', '--json', ...auth);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ playbook: 'reset-breaker', id: breaker, from_state: 'OPEN', to_state: 'CLOSED', operator: 'ops-1', check: { exit_code: 0 } });
    await cli.use(async (h) => {
      const b = (await loadEntity(h.db, 'circuit_breaker', breaker))!;
      expect(b.state).toBe('CLOSED');
      expect(b.columns).toMatchObject({ failure_count: 0 });
      const last = (await readHistory(h.db, 'circuit_breaker', breaker)).at(-1)!;
      expect(last).toMatchObject({ trigger: 'reset-breaker', fromState: 'OPEN', toState: 'CLOSED', operator: 'ops-1', severity: 'warning' });
      expect(last.reason).toMatch(/^tool is back \(tool check 'node -e "process.exit\(0\)"' exited 0\)$/);
      expect((await verifyAudit(h.db)).ok).toBe(true);
      expect((await replayAudit(h.db)).mismatches).toEqual([]);
    });
  }, 60_000);
});
