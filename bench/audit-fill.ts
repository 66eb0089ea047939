/**
 * Set-based fill of `state_transitions` for bench/audit-queries.bench.ts: about a million realistic audit rows in
 * one `INSERT … SELECT` over `generate_series`, every CHECK of migrations 0001 and 0006 satisfied.
 *
 * Shape (per run of {@link RUNS}, each run a ~58-minute window of the last two days, rows in time order so ids
 * follow `transitioned_at`): 3 run rows, 20 workstreams × 5 rows, 3,450 tasks × 3–5 rows (84% complete, 6% fail
 * validation, 4% fail execution, 6% blocked then cancelled), 400 patches × 2–6 rows (10% end in apply_failed,
 * rolled_back or quarantined), 300 test gates × 3 rows (8% FAILED); beside the runs, 100 workers × 400 rows
 * (idle/busy, now and then unresponsive) and 20 circuit breakers × 30 rows (CLOSED/OPEN/HALF_OPEN). About one
 * task in 500 gets its last row from an operator with `{"override": true}`. Hashes are 64 hex characters and
 * `prev_hash` is the previous row's hash; event ids are `evt_` + 26 hex (thus Crockford) characters.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../persistence/index.js';

/** Runs in the audit; every task, workstream, patch and gate row carries its run's id. */
export const RUNS = 50;
const TASKS_PER_RUN = 3450;
const RUN_MINUTES = (2 * 24 * 60) / RUNS;

type Step = readonly [from: string | null, to: string, trigger: string];
const TASK_START: Step[] = [[null, 'pending', 'create'], ['pending', 'queued', 'scheduler_assigned'], ['queued', 'running', 'worker_started']];

/** Fixed-length state sequences: entity type → variant → steps (seq 1..n). */
const PLANS: Record<string, Record<string, Step[]>> = {
  run: { ok: [[null, 'pending', 'create'], ['pending', 'running', 'run_started'], ['running', 'succeeded', 'run_completed']], fail: [[null, 'pending', 'create'], ['pending', 'running', 'run_started'], ['running', 'failed', 'run_failed']] },
  workstream: {
    ok: [[null, 'planned', 'create'], ['planned', 'ready', 'dependencies_met'], ['ready', 'executing', 'execution_started'], ['executing', 'validating', 'tasks_completed'], ['validating', 'completed', 'validation_passed']],
    fail: [[null, 'planned', 'create'], ['planned', 'ready', 'dependencies_met'], ['ready', 'executing', 'execution_started'], ['executing', 'validating', 'tasks_completed'], ['validating', 'failed', 'validation_failed']],
  },
  task: {
    ok: [...TASK_START, ['running', 'validating', 'execution_completed'], ['validating', 'completed', 'validation_passed']],
    vfail: [...TASK_START, ['running', 'validating', 'execution_completed'], ['validating', 'failed', 'validation_failed']],
    xfail: [...TASK_START, ['running', 'failed', 'execution_failed']],
    cancel: [[null, 'pending', 'create'], ['pending', 'blocked', 'dependency_failed'], ['blocked', 'cancelled', 'cancel']],
  },
  patch_ledger: {
    ok: [[null, 'created', 'create'], ['created', 'validated', 'patch_validated'], ['validated', 'queued', 'patch_queued'], ['queued', 'applied', 'patch_applied'], ['applied', 'verified', 'patch_verified'], ['verified', 'committed', 'patch_committed']],
    apply: [[null, 'created', 'create'], ['created', 'validated', 'patch_validated'], ['validated', 'queued', 'patch_queued'], ['queued', 'apply_failed', 'apply_failed']],
    rollback: [[null, 'created', 'create'], ['created', 'validated', 'patch_validated'], ['validated', 'queued', 'patch_queued'], ['queued', 'applied', 'patch_applied'], ['applied', 'rolled_back', 'verification_failed']],
    quarantine: [[null, 'created', 'create'], ['created', 'quarantined', 'forbidden_path']],
  },
  test_gate: { ok: [[null, 'PENDING', 'create'], ['PENDING', 'RUNNING', 'gate_started'], ['RUNNING', 'PASSED', 'gate_passed']], fail: [[null, 'PENDING', 'create'], ['PENDING', 'RUNNING', 'gate_started'], ['RUNNING', 'FAILED', 'gate_failed']] },
};

/** SQL literal of a string or NULL. */
const lit = (s: string | null): string => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);

/** The plan table's rows: fixed sequences, then the workers' and breakers' cycles. */
function planValues(): string {
  const rows: string[] = [];
  for (const [type, variants] of Object.entries(PLANS)) {
    for (const [variant, steps] of Object.entries(variants)) {
      steps.forEach(([from, to, trig], i) => rows.push(`(${lit(type)}, ${lit(variant)}, ${i + 1}, ${lit(from)}, ${lit(to)}, ${lit(trig)})`));
    }
  }
  return rows.join(',\n');
}

const WORKER_STATE = (s: string) => `CASE WHEN ${s} = 1 THEN 'initializing' WHEN ${s} % 61 = 0 THEN 'unresponsive' WHEN ${s} % 2 = 0 THEN 'idle' ELSE 'busy' END`;
const BREAKER_STATE = (s: string) => `CASE ${s} % 3 WHEN 1 THEN 'CLOSED' WHEN 2 THEN 'OPEN' ELSE 'HALF_OPEN' END`;

/**
 * Fills `state_transitions` of the schema `db` points at with `rows` rows — the time-ordered prefix of the shape
 * above, which makes ~1.02M rows, so a million leaves out about the newest hour (the last run) — then VACUUM ANALYZE (what autovacuum does to an insert-only table: statistics, visibility
 * map, BRIN summaries). Returns the rows written.
 */
export async function fillAudit(db: Kysely<Database>, rows = 1_000_000): Promise<number> {
  const n = await db.connection().execute((c) => insertRows(c, rows));
  await sql.raw('VACUUM ANALYZE state_transitions').execute(db);
  return n;
}

/** The INSERT of {@link fillAudit}, on one connection (the plan is a temporary table). */
async function insertRows(db: Kysely<Database>, rows: number): Promise<number> {
  await sql.raw(`CREATE TEMP TABLE bench_plan (entity_type text, variant text, seq int, from_state text, to_state text, trigger text)`).execute(db);
  await sql.raw(`INSERT INTO bench_plan VALUES ${planValues()}`).execute(db);
  await sql.raw(`INSERT INTO bench_plan SELECT 'worker', 'cycle', s, CASE WHEN s > 1 THEN ${WORKER_STATE('(s - 1)')} END, ${WORKER_STATE('s')},
      CASE WHEN s = 1 THEN 'create' WHEN s % 61 = 0 THEN 'heartbeat_missed' WHEN s % 2 = 0 THEN 'task_completed' ELSE 'task_assigned' END
    FROM generate_series(1, 400) s`).execute(db);
  await sql.raw(`INSERT INTO bench_plan SELECT 'circuit_breaker', 'cycle', s, CASE WHEN s > 1 THEN ${BREAKER_STATE('(s - 1)')} END, ${BREAKER_STATE('s')},
      CASE WHEN s = 1 THEN 'create' WHEN s % 3 = 2 THEN 'failure_threshold' WHEN s % 3 = 0 THEN 'cooldown_elapsed' ELSE 'probe_succeeded' END
    FROM generate_series(1, 30) s`).execute(db);
  // Entities: type, id, variant, run, workstream, first row's time, seconds between rows, override flag.
  const runStart = (r: string) => `(now() - interval '2 days' + ${r} * interval '${RUN_MINUTES} minutes')`;
  const runId = (r: string) => `'run-' || lpad(${r}::text, 3, '0')`;
  const entities = `
    SELECT 'run' AS entity_type, ${runId('r')} AS entity_id, CASE WHEN r % 5 = 4 THEN 'fail' ELSE 'ok' END AS variant, NULL::text AS run_id,
      NULL::text AS workstream_id, ${runStart('r')} AS start_at, ${RUN_MINUTES * 28} AS step_s, false AS override
    FROM generate_series(0, ${RUNS - 1}) r
    UNION ALL
    SELECT 'workstream', ${runId('r')} || '.ws-' || w, CASE WHEN (r * 20 + w) % 10 = 3 THEN 'fail' ELSE 'ok' END, ${runId('r')}, NULL,
      ${runStart('r')} + w * interval '2 minutes', 600, false
    FROM generate_series(0, ${RUNS - 1}) r, generate_series(0, 19) w
    UNION ALL
    SELECT 'task', ${runId('r')} || '.task-' || k,
      CASE WHEN k % 100 < 84 THEN 'ok' WHEN k % 100 < 90 THEN 'vfail' WHEN k % 100 < 94 THEN 'xfail' ELSE 'cancel' END,
      ${runId('r')}, ${runId('r')} || '.ws-' || (k % 20), ${runStart('r')} + k * interval '${(RUN_MINUTES * 50) / TASKS_PER_RUN} seconds', 20, k % 500 = 7
    FROM generate_series(0, ${RUNS - 1}) r, generate_series(0, ${TASKS_PER_RUN - 1}) k
    UNION ALL
    SELECT 'patch_ledger', ${runId('r')} || '.patch-' || k,
      CASE WHEN k % 100 < 90 THEN 'ok' WHEN k % 100 < 95 THEN 'apply' WHEN k % 100 < 97 THEN 'rollback' ELSE 'quarantine' END,
      ${runId('r')}, ${runId('r')} || '.ws-' || (k % 20), ${runStart('r')} + k * interval '7 seconds', 30, false
    FROM generate_series(0, ${RUNS - 1}) r, generate_series(0, 399) k
    UNION ALL
    SELECT 'test_gate', ${runId('r')} || '.gate-' || k, CASE WHEN k % 25 < 2 THEN 'fail' ELSE 'ok' END, ${runId('r')}, ${runId('r')} || '.ws-' || (k % 20),
      ${runStart('r')} + k * interval '10 seconds', 45, false
    FROM generate_series(0, ${RUNS - 1}) r, generate_series(0, 299) k
    UNION ALL
    SELECT 'worker', 'worker-' || w, 'cycle', NULL, NULL, now() - interval '2 days' + w * interval '3 seconds', 430, false FROM generate_series(0, 99) w
    UNION ALL
    SELECT 'circuit_breaker', 'breaker-' || b, 'cycle', NULL, NULL, now() - interval '2 days' + b * interval '1 minute', 5700, false FROM generate_series(0, 19) b`;
  const hash = (seq: string) => `md5(e.entity_type || ':' || e.entity_id || ':' || ${seq}) || md5(${seq} || ':' || e.entity_id)`;
  const result = await sql.raw(`
    INSERT INTO state_transitions (event_id, entity_type, entity_id, seq, from_state, to_state, trigger, reason, metadata, operator,
      run_id, workstream_id, severity, transitioned_at, prev_hash, hash)
    SELECT 'evt_' || upper(substr(md5('evt:' || e.entity_type || ':' || e.entity_id || ':' || p.seq), 1, 26)) AS ev, e.entity_type, e.entity_id, p.seq,
      p.from_state, p.to_state, CASE WHEN ov THEN 'operator_override' ELSE p.trigger END,
      CASE WHEN ov THEN 'worker lost, result checked by hand' WHEN p.to_state IN ('failed', 'FAILED', 'apply_failed') THEN 'exit code 1' END,
      CASE WHEN ov THEN '{"override": true, "action": "complete-task"}'::jsonb WHEN p.trigger = 'execution_completed' THEN '{"exit_code": 0}'::jsonb ELSE '{}'::jsonb END,
      CASE WHEN ov THEN (ARRAY['alice', 'bob', 'carol'])[1 + length(e.entity_id) % 3] END,
      e.run_id, e.workstream_id,
      CASE WHEN ov THEN 'warning' WHEN p.to_state IN ('failed', 'unresponsive', 'apply_failed', 'rolled_back', 'quarantined', 'FAILED', 'OPEN') THEN 'error' ELSE 'info' END,
      e.start_at + (p.seq - 1) * e.step_s * interval '1 second' AS at,
      CASE WHEN p.seq > 1 THEN ${hash('(p.seq - 1)')} END, ${hash('p.seq')}
    FROM (${entities}) e
    JOIN bench_plan p ON p.entity_type = e.entity_type AND p.variant = e.variant
    CROSS JOIN LATERAL (SELECT e.override AND p.seq = 5 AND p.to_state = 'completed' AS ov) o
    WHERE e.start_at + (p.seq - 1) * e.step_s * interval '1 second' <= now()
    ORDER BY at, e.entity_type, e.entity_id LIMIT ${rows}`).execute(db);
  await sql.raw('DROP TABLE bench_plan').execute(db);
  return Number(result.numAffectedRows ?? 0);
}
