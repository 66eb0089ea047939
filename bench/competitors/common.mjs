// Shared by the competitor runners (plain ESM, run by the Node 22 binary of this package): configuration from
// argv, the producer's backlog gate, the measurement window and the JSON result printed on stdout.
import { readFileSync } from 'node:fs';
import { postgresCpu, postgresCpuSince } from './postgres-cpu.mjs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

/**
 * The run configuration, as JSON in argv[2]: { url, schema, seconds, warmup, batch, backlog, rate? } and runner
 * knobs. `seconds` includes `warmup`; jobs started before `warmup` are not measured. With `rate` (jobs/s) the
 * producer enqueues a batch every batch/rate s (a latency run); without, whenever the backlog has room.
 */
export function config() {
  const c = JSON.parse(process.argv[2] ?? '{}');
  for (const k of ['url', 'schema', 'seconds', 'warmup', 'batch', 'backlog']) {
    if (c[k] === undefined) throw new Error(`missing config field ${k}`);
  }
  return c;
}

/**
 * One measurement: counts enqueued/started/completed jobs, enforces the backlog bound (enqueued − started ≤
 * backlog), keeps enqueue→start latencies of jobs started inside the window, and jobs completed inside it.
 */
export class Meter {
  constructor(cfg) {
    this.cfg = cfg;
    this.t0 = performance.now();
    this.warmAt = this.t0 + cfg.warmup * 1000;
    this.endAt = this.t0 + cfg.seconds * 1000;
    this.enqueued = 0;
    this.started = 0;
    this.completedInWindow = 0;
    this.latencies = [];
    this.waiters = [];
    this.nextAt = this.t0;
    this.cpuAtWarm = null;
    this.cpuInWindow = null;
    this.pgAtWarm = null;
    this.pgInWindow = null;
    setTimeout(() => {
      this.cpuAtWarm = process.cpuUsage();
      this.pgAtWarm = postgresCpu();
    }, cfg.warmup * 1000).unref();
    setTimeout(() => {
      this.cpuInWindow = this.cpuAtWarm && process.cpuUsage(this.cpuAtWarm);
      this.pgInWindow = this.pgAtWarm && postgresCpuSince(this.pgAtWarm);
    }, cfg.seconds * 1000).unref();
  }
  /** Whether the measured time is over. */
  done() {
    return performance.now() >= this.endAt;
  }
  /** Resolves when the producer may enqueue another batch: at its next tick (latency run), with room in the backlog. */
  async room() {
    if (this.cfg.rate) {
      this.nextAt += (this.cfg.batch / this.cfg.rate) * 1000;
      const wait = Math.min(this.nextAt, this.endAt) - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    while (!this.done() && this.enqueued - this.started > this.cfg.backlog - this.cfg.batch) {
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 50).unref();
      });
    }
  }
  /** A job started; `enqueuedAt` is its producer's clock reading taken just before its enqueue call. */
  start(enqueuedAt) {
    const now = performance.now();
    this.started++;
    if (now >= this.warmAt && now < this.endAt) this.latencies.push(now - enqueuedAt);
    if (this.waiters.length > 0 && this.enqueued - this.started <= this.cfg.backlog - this.cfg.batch) {
      for (const w of this.waiters.splice(0)) w();
    }
  }
  /** A job completed (`n` at once). */
  complete(n = 1) {
    const now = performance.now();
    if (now >= this.warmAt && now < this.endAt) this.completedInWindow += n;
  }
  /** The result object printed by the runner. */
  result(name, version, settings) {
    const xs = this.latencies.sort((a, b) => a - b);
    const q = (p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : null);
    const window = this.cfg.seconds - this.cfg.warmup;
    const used = this.cpuInWindow ?? (this.cpuAtWarm && process.cpuUsage(this.cpuAtWarm));
    // The window's end timer may not have fired yet when the runner finishes exactly at its end: read it now.
    const pg = this.pgInWindow ?? (this.pgAtWarm && postgresCpuSince(this.pgAtWarm));
    return {
      name,
      version,
      node: process.version,
      settings,
      jobs: this.completedInWindow,
      seconds: window,
      perSecond: this.completedInWindow / window,
      p50: q(0.5),
      p99: q(0.99),
      samples: xs.length,
      cpuSeconds: used ? (used.user + used.system) / 1e6 : null,
      pgCpuSeconds: pg === null || pg === undefined ? null : pg / 1e6,
    };
  }
}

/** Prints the result as the one JSON line of stdout (everything else goes to stderr). */
export function emit(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The installed version of a dependency of this package (read from its package.json, which may not be exported). */
export function packageVersion(name) {
  const text = readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8');
  return JSON.parse(text).version;
}

/** Runs `main`, then drops the run's fresh schema `cfg.schema` whatever happened. */
export async function runThenDropSchema(cfg, main) {
  try {
    await main();
  } finally {
    const client = new pg.Client({ connectionString: cfg.url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${cfg.schema}" CASCADE`);
    await client.end();
  }
}
