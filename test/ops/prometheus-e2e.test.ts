import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { addOperator, rollbackPatch } from '../../ops/index.js';
import { loadPlan } from '../../plan/index.js';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases } from '../support/test-database.js';
import { cliDatabase, type CliDatabase } from './recovery-fixtures.js';
import { eventually, promQuery, startPrometheus, type PrometheusServer } from './prometheus-server.js';

/** A task that runs until `file` exists: it holds the run (and its /metrics) open while Prometheus scrapes. */
function waitForFile(file: string): string[] {
  return ['node', '-e', `const f=${JSON.stringify(file)};const t=setInterval(()=>{if(require('fs').existsSync(f))clearInterval(t)},50)`];
}

// docs/design/engine.md §5 / SSOT §7.3.3 end to end: a real Prometheus scrapes a live `gantry run --metrics-port 0` and evaluates
// ops/alerts.yml; a breaker the run opened becomes an active GantryCircuitBreakerOpen alert.
describe.each(testDatabases())('Prometheus scraping gantry run --metrics-port (%s)', (kind) => {
  let cli: CliDatabase;
  let box: EngineSandbox;
  let run: ChildProcess;
  let runDone: Promise<number | null>;
  let stderr = '';
  let prom: PrometheusServer;
  // In a folder the sandboxed task may read (the rest of /tmp is private to the sandbox).
  const release = () => join(box.dir, 'hold', 'release');

  beforeAll(async () => {
    cli = await cliDatabase(kind);
    box = await makeSandbox();
    const plan = join(box.dir, 'plan.json');
    await mkdir(join(box.dir, 'hold'));
    await writeFile(plan, JSON.stringify({
      run: { id: 'pm', phase: 'PH-1', repository: './repo', target_branch: 'main' },
      sandbox: { read_only: [join(box.dir, 'hold')] },
      workers: { orchestration: [{ id: 'agent', count: 2 }] },
      circuit_breakers: { tools: { flaky: { failure_threshold: 1, cooldown_seconds: 3600 } } },
      workstreams: [
        { id: 'tools', tasks: [{ id: 'call-flaky', tool: 'flaky', command: 'exit 3', max_retries: 0 }] },
        { id: 'work', tasks: [{ id: 'write-w', command: writeCmd('src/w.js', 'export const w = 1;\n') }] },
        { id: 'hold', tasks: [{ id: 'wait', command: waitForFile(release()), timeout_sec: 300 }] },
      ],
    }));
    const { args, env } = cli.invocation();
    run = spawn(process.execPath, [GANTRY_BIN, 'run', plan, '--metrics-port', '0', ...args], { cwd: ROOT, env });
    runDone = new Promise((resolve, reject) => {
      run.on('error', reject);
      run.on('close', (code) => resolve(code));
    });
    let stdout = '';
    // The scene is set once the work workstream is merged (its patch committed) while the wait task holds the run.
    const merged = new Promise<void>((resolve) => {
      run.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/workstream\s+pm\.work: \S+ → completed/.test(stdout)) resolve();
      });
    });
    const url = await new Promise<string>((resolve, reject) => {
      run.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      void runDone.then((code) => reject(new Error(`gantry run ended (${code}) before serving metrics:\n${stderr}`)));
    });
    await Promise.race([merged, runDone.then((code) => Promise.reject(new Error(`gantry run ended (${code}) early:\n${stdout}\n${stderr}`)))]);
    prom = await startPrometheus(new URL(url).host, join(ROOT, 'ops', 'alerts.yml'));
  }, 90_000);
  afterAll(async () => {
    await prom?.stop();
    if (run && run.exitCode === null && run.signalCode === null) {
      await writeFile(release(), '');
      await runDone;
    }
    await cli?.cleanup();
    await box?.cleanup();
  }, 60_000);

  it('scrapes our series with the values of the run in progress', async () => {
    const value = (q: string) => promQuery(prom.url, q).then((r) => r.map((s) => Number(s.value[1])));
    // The flaky tool's breaker opened after its one failure (threshold 1); the wait task holds the run running.
    await eventually(async () => expect(await value('circuit_breaker_state{tool_id="pm.flaky",state="OPEN"}')).toEqual([1]));
    await eventually(async () => expect(await value('circuit_breaker_state{tool_id="pm.flaky",state="CLOSED"}')).toEqual([0]));
    await eventually(async () => expect(await value('state_transitions_total{entity_type="circuit_breaker",from_state="CLOSED",to_state="OPEN"}')).toEqual([1]));
    await eventually(async () => expect(await value('entity_state{entity_type="run",state="running"}')).toEqual([1]));
    await eventually(async () => expect(await value('entity_state{entity_type="task",state="running"}')).toEqual([1]));
    await eventually(async () => expect(await value('entity_state{entity_type="task",state="failed"}')).toEqual([1]));
    await eventually(async () => expect(await value('up{job="gantry"}')).toEqual([1]));
  }, 60_000);

  if (kind === 'postgres') {
    it('agrees with the database the live run writes (PostgreSQL: read beside the engine)', async () => {
      const db = await cli.use(async (h) => {
        const { rows } = await sql<{ entity_type: string; state: string; n: number }>`
          SELECT 'task' AS entity_type, state, count(*)::int AS n FROM tasks GROUP BY state
          UNION ALL SELECT 'circuit_breaker', state, count(*)::int FROM circuit_breakers GROUP BY state
          UNION ALL SELECT 'workstream', state, count(*)::int FROM workstreams GROUP BY state`.execute(h.db);
        return rows;
      });
      expect(db.length).toBeGreaterThan(0);
      for (const r of db) {
        await eventually(async () => {
          const got = await promQuery(prom.url, `entity_state{entity_type="${r.entity_type}",state="${r.state}"}`);
          expect(got.map((x) => Number(x.value[1]))).toEqual([r.n]);
        });
      }
    }, 60_000);
  }

  it('evaluates ops/alerts.yml: GantryCircuitBreakerOpen becomes active for the open breaker', async () => {
    const res = await fetch(`${prom.url}/api/v1/rules`);
    const rules = (await res.json()) as { data: { groups: { name: string; rules: { name: string; health: string }[] }[] } };
    const names = rules.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    expect(names).toHaveLength(9);
    expect(names).toContain('GantryCircuitBreakerOpen');
    await eventually(async () => {
      const alerts = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
      expect(alerts.data.alerts).toContainEqual(expect.objectContaining({ state: 'firing', labels: expect.objectContaining({ alertname: 'GantryCircuitBreakerOpen', tool_id: 'pm.flaky', severity: 'critical' }) }));
    });
    // Every rule evaluated without error against our series.
    const after = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as typeof rules;
    expect(after.data.groups.flatMap((g) => g.rules.filter((r) => r.health === 'err').map((r) => r.name))).toEqual([]);
  }, 60_000);

  if (kind === 'postgres') {
    it('a rollback of the merged patch during the run fires GantryPatchRolledBack (the counter went 0 → 1)', async () => {
      await eventually(async () => expect((await promQuery(prom.url, 'state_transitions_total{entity_type="patch_ledger",to_state="rolled_back"}')).map((x) => x.value[1])).toEqual(['0']));
      await cli.use(async (h) => {
        await addOperator(h.db, 'ops-1');
        const r = await rollbackPatch(h.db, { ledgerId: 'pm.write-w.p1', plan: await loadPlan(join(box.dir, 'plan.json')), operator: 'ops-1', reason: 'e2e', transitionLog: null, scratchDir: cli.stateDir });
        expect(r.compensation).toMatchObject({ branch: 'main', succeeded: true });
      });
      await eventually(async () => {
        const alerts = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
        expect(alerts.data.alerts).toContainEqual(expect.objectContaining({ state: 'firing', labels: expect.objectContaining({ alertname: 'GantryPatchRolledBack', severity: 'critical' }) }));
      });
      await eventually(async () => expect((await promQuery(prom.url, 'manual_state_overrides_total{entity_type="patch_ledger",operator="ops-1"}')).map((x) => x.value[1])).toEqual(['1']));
    }, 60_000);
  }

  it('the run finishes once released (the failed flaky task makes it fail, exit 1)', async () => {
    await writeFile(release(), '');
    expect(await runDone).toBe(1);
  }, 60_000);
});
