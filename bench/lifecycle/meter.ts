/**
 * The measurement shared by every contender of bench/task-lifecycle.bench.ts (the competitor runners carry the same
 * logic in bench/competitors/common.mjs): a fixed time with a warm-up, a producer bounded by a backlog of enqueued
 * but not yet started jobs, enqueue→start latencies of jobs started inside the window, completions inside it.
 */
import { postgresCpu, postgresCpuSince } from '../competitors/postgres-cpu.mjs';

/** What every contender is given. Times in seconds; `seconds` includes `warmup`. */
export interface RunConfig {
  readonly url: string;
  /** A fresh schema, dropped after the run. */
  readonly schema: string;
  readonly seconds: number;
  readonly warmup: number;
  /** Jobs enqueued per producer call. */
  readonly batch: number;
  /** Most jobs enqueued but not yet started; the producer waits for room for a whole batch. */
  readonly backlog: number;
  /**
   * Jobs per second for a latency run: the producer enqueues a batch every `batch / rate` s (still bounded by
   * `backlog`); omitted for a throughput run, where it enqueues whenever the backlog has room.
   */
  readonly rate?: number;
  /** Claim loops (Gantry). */
  readonly workers: number;
  /** Tasks per claim (Gantry). */
  readonly claim: number;
}

/** One contender's result, as the runners print it. */
export interface RunResult {
  readonly name: string;
  readonly version: string;
  readonly node: string;
  readonly settings: Record<string, unknown>;
  /** Jobs (lifecycles) completed inside the window. */
  readonly jobs: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Enqueue→start latency percentiles, ms. */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly samples: number;
  /** CPU seconds of the contender's process inside the window (user + system). */
  readonly cpuSeconds: number | null;
  /** CPU seconds of PostgreSQL (every `postgres` process on this host) inside the window; null when not on this host. */
  readonly pgCpuSeconds?: number | null;
}

/** Counts and latencies of one run; see the file comment. */
export class Meter {
  enqueued = 0;
  started = 0;
  private completed = 0;
  private readonly latencies: number[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly warmAt: number;
  private readonly endAt: number;
  private nextAt: number;
  private cpuAtWarm: NodeJS.CpuUsage | null = null;
  private cpuInWindow: NodeJS.CpuUsage | null = null;
  private pgAtWarm: Map<string, number> | null = null;
  private pgInWindow: number | null = null;

  constructor(private readonly cfg: RunConfig) {
    const t0 = performance.now();
    this.warmAt = t0 + cfg.warmup * 1000;
    this.endAt = t0 + cfg.seconds * 1000;
    this.nextAt = t0;
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
  done(): boolean {
    return performance.now() >= this.endAt;
  }

  /** Resolves when the producer may enqueue another batch: at its next tick (latency run), with room in the backlog. */
  async room(): Promise<void> {
    if (this.cfg.rate) {
      this.nextAt += (this.cfg.batch / this.cfg.rate) * 1000;
      const wait = Math.min(this.nextAt, this.endAt) - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    while (!this.done() && this.enqueued - this.started > this.cfg.backlog - this.cfg.batch) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50).unref();
      });
    }
  }

  /** A job started at `now`; `enqueuedAt` is the producer's clock reading taken just before its enqueue call. */
  start(enqueuedAt: number, now = performance.now()): void {
    this.started++;
    if (now >= this.warmAt && now < this.endAt) this.latencies.push(now - enqueuedAt);
    if (this.waiters.length > 0 && this.enqueued - this.started <= this.cfg.backlog - this.cfg.batch) {
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** `n` jobs completed now. */
  complete(n = 1): void {
    const now = performance.now();
    if (now >= this.warmAt && now < this.endAt) this.completed += n;
  }

  /** The result of the run. */
  result(name: string, version: string, settings: Record<string, unknown>): RunResult {
    const xs = this.latencies.sort((a, b) => a - b);
    const q = (p: number) => (xs.length > 0 ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : null);
    const window = this.cfg.seconds - this.cfg.warmup;
    const used = this.cpuInWindow ?? (this.cpuAtWarm && process.cpuUsage(this.cpuAtWarm));
    // The window's end timer may not have fired yet when the run finishes exactly at its end: read it now.
    const pg = this.pgInWindow ?? (this.pgAtWarm ? postgresCpuSince(this.pgAtWarm) : null);
    const cpu = used ? (used.user + used.system) / 1e6 : null;
    return { name, version, node: process.version, settings, jobs: this.completed, seconds: window, perSecond: this.completed / window, p50: q(0.5), p99: q(0.99), samples: xs.length, cpuSeconds: cpu, pgCpuSeconds: pg === null ? null : pg / 1e6 };
  }
}

/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
