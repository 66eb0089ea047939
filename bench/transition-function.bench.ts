/**
 * Benchmark: our pure transition function `applyEvent` (snapshot in, snapshot out, rejections raised) against bare
 * XState (`createActor(machine, { input }).start()` + `actor.send`) on the same machine, input and event sequence.
 * One process, interleaved rounds (A/B then B/A), medians of events per second, ratio ours/bare (target ≥ 0.9).
 * Run: `npm run bench:transitions` (or `npx tsx bench/transition-function.bench.ts [rounds]`). Prints, asserts nothing.
 */
import { createActor, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { applyEvent, initialSnapshot, machineCatalog } from '../machines/index.js';
import { SCENARIOS, type Scenario } from './transition-scenarios.js';

const ROUNDS = Number(process.argv[2] ?? 7);
/** Each timed measurement aims at about this long, so timer resolution and GC pauses stay small against it. */
const TARGET_MS = 150;

/** Throws when a cycle did not end where the scenario says: a silently ignored event would otherwise flatter a side. */
function check(s: Scenario, state: unknown): void {
  if (state !== s.end) throw new Error(`${s.entityType}: cycle ended in ${String(state)}, expected ${s.end}`);
}

/** Ours: `applyEvent` over `cycles` cycles; returns elapsed milliseconds of the timed part. */
function runOurs(s: Scenario, cycles: number): number {
  let snap: AnyMachineSnapshot;
  const apply = (e: EventObject) => (snap = applyEvent(s.entityType, snap, e).snapshot);
  if (s.mode === 'long-lived') {
    snap = initialSnapshot(s.entityType, s.input);
    s.setup.forEach(apply);
    const t0 = performance.now();
    for (let c = 0; c < cycles; c++) {
      s.cycle.forEach(apply);
      check(s, snap.value);
    }
    return performance.now() - t0;
  }
  const t0 = performance.now();
  for (let c = 0; c < cycles; c++) {
    snap = initialSnapshot(s.entityType, s.input);
    s.cycle.forEach(apply);
    check(s, snap.value);
  }
  return performance.now() - t0;
}

/** Bare XState: one started actor and `send`; returns elapsed milliseconds of the timed part. */
function runBare(s: Scenario, cycles: number): number {
  const { machine } = machineCatalog[s.entityType];
  if (s.mode === 'long-lived') {
    const actor = createActor(machine, { input: s.input }).start();
    for (const e of s.setup) actor.send(e);
    const t0 = performance.now();
    for (let c = 0; c < cycles; c++) {
      for (const e of s.cycle) actor.send(e);
      check(s, actor.getSnapshot().value);
    }
    const ms = performance.now() - t0;
    actor.stop();
    return ms;
  }
  const t0 = performance.now();
  for (let c = 0; c < cycles; c++) {
    const actor = createActor(machine, { input: s.input }).start();
    for (const e of s.cycle) actor.send(e);
    check(s, actor.getSnapshot().value);
  }
  return performance.now() - t0;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Cycles per measurement so that the faster side takes about TARGET_MS (after a warm-up of both sides). */
function calibrate(s: Scenario): number {
  runOurs(s, 2000);
  runBare(s, 2000);
  const ms = Math.min(runOurs(s, 2000), runBare(s, 2000));
  return Math.max(200, Math.round((2000 * TARGET_MS) / Math.max(ms, 1)));
}

/** Measures one scenario: interleaved rounds, medians of events/s per side, and the ratio of medians. */
function measure(s: Scenario): { ours: number; bare: number; ratio: number; cycles: number; perRound: number[] } {
  const cycles = calibrate(s);
  const events = cycles * s.cycle.length;
  const ours: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
    for (const side of order) {
      const ms = side === 'ours' ? runOurs(s, cycles) : runBare(s, cycles);
      (side === 'ours' ? ours : bare).push((events * 1000) / ms);
    }
  }
  const perRound = ours.map((o, i) => o / bare[i]!);
  return { ours: median(ours), bare: median(bare), ratio: median(ours) / median(bare), cycles, perRound };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const header = ['machine', 'mode', 'cycle', 'ev/cycle', 'cycles', 'ours ev/s', 'bare ev/s', 'ours/bare', 'per-round ratios'];
const rows: string[][] = [];
console.log(`transition function benchmark: node ${process.version}, ${ROUNDS} interleaved rounds per machine, medians\n`);
for (const s of SCENARIOS) {
  const m = measure(s);
  rows.push([s.entityType, s.mode, s.label, String(s.cycle.length), String(m.cycles), fmt(m.ours), fmt(m.bare), m.ratio.toFixed(2), m.perRound.map((r) => r.toFixed(2)).join(' ')]);
  console.error(`  measured ${s.entityType}`);
}
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (r: string[]) => r.map((cell, c) => (c < 3 || c === 8 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
console.log(line(header));
for (const r of rows) console.log(line(r));
const ratios = rows.map((r) => Number(r[7]));
console.log(`\nours/bare: median ${median(ratios).toFixed(2)}, min ${Math.min(...ratios).toFixed(2)} (target ≥ 0.90)`);
