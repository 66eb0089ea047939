/**
 * Benchmark (issues 4, 14): no-op task lifecycles per second, Gantry against pg-boss and graphile-worker doing no-op
 * jobs and DBOS Transact running a two-step workflow, side by side in one run on the same PostgreSQL (DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test).
 *  - Gantry (bench/lifecycle/gantry-lifecycle.ts): every task created `pending` (`createMany` per batch) → `scheduler_assigned` (`queued`) →
 *    claimed in batches with `FOR UPDATE SKIP LOCKED` (`worker_started`, `running`; two round trips) → `execution_completed`
 *    (`validating`) → `validation_passed` (`completed`), all through PersistedActors: 5 audited, hash-chained rows.
 *  - graphile-worker and pg-boss (bench/competitors/, run by Node 22): add jobs in batches, run a no-op handler,
 *    with their performance settings.
 *  - DBOS Transact (bench/competitors/run-dbos.mjs, Node 22): a workflow of two no-op `DBOS.runStep` steps, each
 *    checkpointed (workflow status row, one row per step, the result), in two modes: `dbos-queue` enqueues every
 *    workflow on a durable queue (`DBOS.registerQueue`: workerConcurrency 200, minPollingIntervalMs 20, one dispatch
 *    lane, a pool of 20) that this process's dispatcher polls; `dbos-direct` starts every workflow itself
 *    (`DBOS.startWorkflow`, pool of 20). No batch enqueue in DBOS: a batch is that many concurrent calls.
 *  - The schema's ceiling (bench/lifecycle/schema-ceiling.ts, `--no-ceiling` to skip): the same rows written by raw
 *    `pg` with no engine, prepared before the clock starts — what PostgreSQL on this machine allows at all.
 *  - Projections (throughput only, `--no-projections` to skip): Gantry with a larger V8 young generation
 *    (`--max-semi-space-size=64`), and Gantry creating one task per transaction (`create`, as before `createMany`).
 * Same protocol for all, each run in its own process and a fresh schema dropped after. THROUGHPUT (`seconds`, the
 * first 4 not counted): producers enqueue batches whenever the backlog (enqueued, not yet started) has room;
 * LATENCY (`--latency-seconds`): a steady `--rate` jobs/s in batches of 10, below every contender's capacity.
 * Enqueue→start latency on the process clock: enqueue = just before the enqueue call, start = claimed (Gantry) /
 * handler called / first step entered (DBOS). Rounds interleaved and rotated; medians, ratios, and each Gantry
 * step's rate on its own. With `--json` the last line of output is one JSON object of the medians,
 * `{"contenders":[{"name","lifecycles_per_s","latency_p50_ms","latency_p99_ms","cpu_us_per_lifecycle"}, …]}`
 * (latencies from the steady-rate runs, null for projections; CPU of the contender's own process).
 * Run: `npx tsx bench/task-lifecycle.bench.ts [seconds=15] [rounds=3]
 *      [--only gantry,graphile-worker,pg-boss,dbos-queue,dbos-direct] [--workers 8] [--claim 100] [--batch 200]
 *      [--backlog 2000] [--rate 100] [--latency-seconds 6] [--no-projections] [--no-phases] [--no-ceiling] [--latency-only] [--json]`.
 * `--latency-only`: only the steady-rate runs (no throughput runs, projections, phases or ceiling); in `--json`,
 * `lifecycles_per_s` and the CPU figures are then null.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureCompetitors, runContender, type Competitor } from './lifecycle/competitors.js';
import { ROWS_PER_LIFECYCLE } from './lifecycle/gantry-lifecycle.js';
import type { PhaseRates } from './lifecycle/gantry-runner.js';
import type { SchemaCeiling } from './lifecycle/schema-ceiling.js';
import { median, type RunConfig, type RunResult } from './lifecycle/meter.js';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    workers: { type: 'string', default: '8' },
    claim: { type: 'string', default: '100' },
    batch: { type: 'string', default: '200' },
    backlog: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '100' },
    'latency-seconds': { type: 'string', default: '6' },
    'no-projections': { type: 'boolean', default: false },
    'no-phases': { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'latency-only': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(positionals[0] ?? 15);
const ROUNDS = Number(positionals[1] ?? 3);
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const YOUNG = ['--max-semi-space-size=64'];

/** One contender as run: which runner, its V8 flags and knobs, and whether it is a projection (throughput only). */
interface Variant {
  readonly name: string;
  readonly runner: Competitor | 'gantry';
  readonly flags: readonly string[];
  readonly extra: Record<string, unknown>;
  readonly projection: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'gantry', runner: 'gantry', flags: [], extra: { create: 'many' }, projection: false },
  { name: 'graphile-worker', runner: 'graphile-worker', flags: [], extra: {}, projection: false },
  { name: 'pg-boss', runner: 'pg-boss', flags: [], extra: {}, projection: false },
  { name: 'dbos-queue', runner: 'dbos', flags: [], extra: { mode: 'queue' }, projection: false },
  { name: 'dbos-direct', runner: 'dbos', flags: [], extra: { mode: 'direct' }, projection: false },
  { name: 'gantry +young64', runner: 'gantry', flags: YOUNG, extra: { create: 'many' }, projection: true },
  { name: 'gantry, create each', runner: 'gantry', flags: [], extra: { create: 'each' }, projection: true },
];
const only = flags.only?.split(',');
for (const o of only ?? []) if (!VARIANTS.some((v) => v.name === o)) throw new Error(`unknown contender ${o} (one of ${VARIANTS.map((v) => v.name).join(', ')})`);
const LATENCY_ONLY = flags['latency-only'];
const RUN = VARIANTS.filter((v) => (only ? only.includes(v.name) : !(v.projection && flags['no-projections'])) && !(LATENCY_ONLY && v.projection));

const fmt = (n: number) => (Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const ms = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : n < 10 ? n.toFixed(1) : fmt(n));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** A throughput run's configuration, or with `latency` a steady-rate run's. */
function config(runner: string, latency = false): RunConfig {
  const seconds = latency ? Number(flags['latency-seconds']) : SECONDS;
  return {
    url: URL,
    schema: `bench_${runner.replace('-', '_')}_${randomBytes(4).toString('hex')}`,
    seconds,
    warmup: Math.min(4, seconds / 4),
    batch: latency ? 10 : Number(flags.batch),
    backlog: Number(flags.backlog),
    ...(latency ? { rate: Number(flags.rate) } : {}),
    workers: Number(flags.workers),
    claim: Number(flags.claim),
  };
}

const run = (v: Variant, latency: boolean) => runContender(v.runner, config(v.runner, latency), v.flags, v.extra);

async function main(): Promise<void> {
  if (RUN.some((v) => v.runner !== 'gantry')) ensureCompetitors();
  const c0 = config('gantry');
  const l0 = config('gantry', true);
  console.log(`task lifecycle benchmark, ${new Date().toISOString()}, node ${process.version}, PostgreSQL ${URL.replace(/:[^:@/]*@/, ':***@')}`);
  console.log(`${ROUNDS} rounds interleaved; throughput runs ${SECONDS} s (${c0.warmup} s warm-up), batches of ${c0.batch}, backlog ≤ ${c0.backlog}; latency runs ${l0.seconds} s at ${l0.rate} jobs/s in batches of ${l0.batch}`);
  console.log(`Gantry: 8 producers (pool 16), ${c0.workers} claim loops × ${c0.claim} tasks per claim; every run in its own process, default V8 flags unless named`);
  console.log(`load average before: ${load()}\n`);
  const results = new Map<string, RunResult[]>(RUN.map((v) => [v.name, []]));
  const latencies = new Map<string, RunResult[]>(RUN.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of RUN.map((_, i) => RUN[(i + r) % RUN.length]!)) {
      const res = LATENCY_ONLY ? null : await run(v, false);
      if (res) results.get(v.name)!.push(res);
      const lat = v.projection ? null : await run(v, true);
      if (lat) latencies.get(v.name)!.push(lat);
      const latText = lat ? ` | at ${fmt(lat.perSecond)}/s: p50 ${ms(lat.p50)} ms  p99 ${ms(lat.p99)} ms` : '';
      const resText = res ? `${fmt(res.perSecond).padStart(8)}/s  p50 ${ms(res.p50)} ms  p99 ${ms(res.p99)} ms` : '(latency only)';
      console.error(`  round ${r + 1}: ${v.name.padEnd(24)} ${resText}${latText}  (load ${load()})`);
    }
  }

  const rows = RUN.map((v) => {
    const rs = results.get(v.name)!;
    const ls = latencies.get(v.name)!;
    const med = (xs: readonly RunResult[], f: (x: RunResult) => number | null | undefined) => (xs.length ? median(xs.map((x) => f(x) ?? NaN)) : NaN);
    return {
      v,
      version: (rs[0] ?? ls[0])!.version,
      rate: med(rs, (x) => x.perSecond),
      per: rs.map((x) => fmt(x.perSecond)).join(' / '),
      p50: med(rs, (x) => x.p50),
      p99: med(rs, (x) => x.p99),
      lp50: med(ls, (x) => x.p50),
      lp99: med(ls, (x) => x.p99),
      cpuPerJob: med(rs, (x) => (x.jobs > 0 ? ((x.cpuSeconds ?? NaN) * 1e6) / x.jobs : NaN)),
      pgCpuPerJob: med(rs, (x) => (x.jobs > 0 ? ((x.pgCpuSeconds ?? NaN) * 1e6) / x.jobs : NaN)),
      settings: (rs[0] ?? ls[0])!.settings,
    };
  });
  console.log(`\n                                      throughput                             enqueue→start, ms (medians)`);
  console.log(`contender                         jobs/s   per round              saturated p50   p99 | at ${l0.rate}/s p50   p99`);
  for (const x of rows) {
    const label = x.v.runner === 'gantry' ? x.v.name : `${x.v.name} ${x.version}`;
    console.log(`  ${label.padEnd(28)} ${fmt(x.rate).padStart(8)}   ${x.per.padEnd(24)} ${ms(x.p50).padStart(7)} ${ms(x.p99).padStart(6)} | ${ms(x.lp50).padStart(10)} ${ms(x.lp99).padStart(5)}`);
  }
  console.log('');
  for (const x of rows.filter((r) => r.v.runner === 'gantry' && !LATENCY_ONLY)) {
    console.log(`  ${x.v.name}: ${fmt(x.rate * (ROWS_PER_LIFECYCLE - 1))} transitions/s + ${fmt(x.rate)} creations/s = ${fmt(x.rate * ROWS_PER_LIFECYCLE)} audited rows/s`);
    for (const y of rows.filter((r) => r.v.runner !== 'gantry')) console.log(`    / ${y.v.name}: ${(x.rate / y.rate).toFixed(3)}`);
  }
  for (const x of rows.filter(() => !LATENCY_ONLY)) console.log(`  ${x.v.name}: ≈ ${fmt(x.cpuPerJob)} µs of its process's CPU and ${fmt(x.pgCpuPerJob)} µs of PostgreSQL's per job in the window; ${x.v.flags.join(' ')} ${JSON.stringify(x.settings)}`);

  if (RUN.some((v) => v.name === 'gantry') && !flags['no-phases'] && !LATENCY_ONLY) {
    const p = await runContender<PhaseRates>('gantry', config('gantry'), [], { mode: 'phases' });
    const total = 1 / (1 / p.createMany + 1 / p.scheduler_assigned + 1 / p.claim + 1 / p.execution_completed + 1 / p.validation_passed);
    console.log(`\n  gantry steps alone (2,000 tasks at once, medians of 3; rows/s): createMany ×200 ${fmt(p.createMany)}, create ${fmt(p.create)}, scheduler_assigned ${fmt(p.scheduler_assigned)}, claim ×200 on 4 loops ${fmt(p.claim)}, execution_completed ${fmt(p.execution_completed)}, validation_passed ${fmt(p.validation_passed)} → one after another ${fmt(total)} lifecycles/s`);
  }
  if (!flags['no-ceiling'] && !LATENCY_ONLY) {
    const c = await runContender<SchemaCeiling>('gantry', config('gantry'), [], { mode: 'schema-ceiling' });
    console.log(`\n  schema ceiling (raw pg, no engine, rows prepared beforehand, batches of 200 lifecycles, best of 2/4/8 connections, medians of 3; lifecycles/s):`);
    console.log(`    stepwise, what a run must write (INSERT pending + 4 guarded UPDATEs, each with its audit row, a statement per step) ${fmt(c.stepwise)} (${c.connections.stepwise} connections)`);
    console.log(`    engine model, what Gantry writes (INSERT queued + 2 audit rows, the claim's UPDATE + 1, one UPDATE to completed + 2) ${fmt(c.engine)} (${c.connections.engine})`);
    console.log(`    coalesced (the final task row + 5 audit rows in one statement) ${fmt(c.coalesced)} (${c.connections.coalesced}); the 5 audit rows alone ${fmt(c.auditOnly)} (${c.connections.auditOnly}); by COPY ${fmt(c.copyAudit)} (${c.connections.copyAudit})`);
    for (const y of rows.filter((r) => r.v.runner !== 'gantry')) console.log(`    stepwise / ${y.v.name}: ${(c.stepwise / y.rate).toFixed(3)}; engine model / ${y.v.name}: ${(c.engine / y.rate).toFixed(3)}; audit rows alone / ${y.v.name}: ${(c.auditOnly / y.rate).toFixed(3)}; COPY / ${y.v.name}: ${(c.copyAudit / y.rate).toFixed(3)}`);
    for (const x of rows.filter((r) => r.v.name === 'gantry')) console.log(`    gantry / stepwise ceiling: ${(x.rate / c.stepwise).toFixed(3)}; gantry / engine-model ceiling: ${(x.rate / c.engine).toFixed(3)}`);
  }
  console.log(`\nload average after: ${load()}`);
  if (flags.json) console.log(JSON.stringify({ contenders: rows.map(summary) }));
}

/** One contender's medians for `--json`: NaN (no run, no samples) becomes null. */
function summary(x: { v: Variant; rate: number; lp50: number; lp99: number; cpuPerJob: number; pgCpuPerJob: number }): Record<string, string | number | null> {
  const n = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(3)) : null);
  return { name: x.v.name, lifecycles_per_s: n(x.rate), latency_p50_ms: n(x.lp50), latency_p99_ms: n(x.lp99), cpu_us_per_lifecycle: n(x.cpuPerJob), pg_cpu_us_per_lifecycle: n(x.pgCpuPerJob) };
}

await main();
