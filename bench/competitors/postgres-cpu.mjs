/**
 * PostgreSQL's CPU on this host for bench/task-lifecycle.bench.ts and bench/schema-costs.bench.ts: user + system
 * time of every process named `postgres` (backends, WAL writer, checkpointer, autovacuum), read from /proc. Used by
 * the TypeScript meter and the competitors' runners alike (hence plain JavaScript, beside the competitors).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1e6 / 100;

/** User + system CPU of every process named postgres on this host, µs, by pid (empty where /proc is not Linux's). */
export function postgresCpu() {
  const out = new Map();
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended between the listing and the read
    }
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
    const f = stat.slice(close + 2).split(' ');
    out.set(pid, (Number(f[11]) + Number(f[12])) * TICK_US);
  }
  return out;
}

/**
 * PostgreSQL's CPU since `before` (a reading of {@link postgresCpu}), µs: a process that ended meanwhile is not
 * counted, a new one counts whole. Null when nothing could be read (PostgreSQL on another host).
 */
export function postgresCpuSince(before) {
  if (before.size === 0) return null;
  let total = 0;
  for (const [pid, us] of postgresCpu()) total += us - (before.get(pid) ?? 0);
  return total;
}
