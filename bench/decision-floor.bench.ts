/**
 * Benchmark: the floor of Gantry's own CPU per no-op task lifecycle — everything the actor layer must compute before
 * any I/O, with no database, no driver and no promises: the creation (zod input, initial snapshot, creation audit row
 * hashed) queued at once (`createMany … then`: `scheduler_assigned` decided), the claim's `worker_started`, then
 * `execution_completed` and `validation_passed`; each decision through the machine (XState v5 `transition`), its
 * persisted snapshot, row columns, audit row hash-chained with SHA-256 over canonical JSON, the persistence item, and
 * the snapshot and metadata serialised as the statement's parameters are. Compare with `cpu_us_per_lifecycle` of
 * `bench/task-lifecycle.bench.ts`: the difference is the driver, the statements, promises and garbage of the I/O.
 * Run: `npx tsx bench/decision-floor.bench.ts [lifecycles=5000] [rounds=7]`. Prints medians; asserts nothing.
 */
import { planCreation } from '../actors/creation-plan.js';
import { decideCreationThen } from '../actors/creation-then.js';
import { decideTransition, type Decision } from '../actors/decide-transition.js';
import { transitionItem } from '../actors/transition-item.js';
import { parseEventOf } from '../machines/index.js';

const LIFECYCLES = Number(process.argv[2] ?? 5000);
const ROUNDS = Number(process.argv[3] ?? 7);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** What the statement's parameters cost: the snapshot and metadata as JSON text (persistence/write-round.ts). */
let sink = 0;
function encode(d: Decision): void {
  const item = transitionItem(d);
  sink += JSON.stringify(item.snapshot).length + JSON.stringify(item.audit.metadata).length;
}

/** One lifecycle's decisions; `n` makes the ids unique. */
function lifecycle(n: number, clock: () => number): void {
  const plan = planCreation({ entityType: 'task', id: `floor-${n}` }, clock);
  const created = decideCreationThen(plan, [{ type: 'scheduler_assigned' }], clock);
  sink += JSON.stringify(plan.entity.snapshot).length + JSON.stringify(created.then.snapshot).length;
  let entity = created.decisions[0]!.next;
  const steps = [
    { type: 'worker_started', worker_id: 'floor-worker', worker_capabilities: [] },
    { type: 'execution_completed', exit_code: 0 },
    { type: 'validation_passed' },
  ];
  for (const step of steps) {
    const d = decideTransition(entity, parseEventOf('task', { now: clock(), ...step }), { clampTime: true });
    encode(d);
    entity = d.next;
  }
  if (entity.state !== 'completed') throw new Error(`lifecycle ${n} ended in ${entity.state}`);
}

let t = Date.UTC(2026, 0, 1);
const clock = (): number => (t += 1);
for (let i = 0; i < 2000; i++) lifecycle(-1 - i, clock); // warm-up
const cpu: number[] = [];
const wall: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < LIFECYCLES; i++) lifecycle(r * LIFECYCLES + i, clock);
  const c = process.cpuUsage(c0);
  wall.push(((performance.now() - w0) * 1000) / LIFECYCLES);
  cpu.push((c.user + c.system) / LIFECYCLES);
}
console.log(`decision floor: node ${process.version}, ${LIFECYCLES} lifecycles × ${ROUNDS} rounds (creation + 4 transitions, no I/O)`);
console.log(`  CPU per lifecycle: median ${median(cpu).toFixed(1)} µs (rounds ${cpu.map((x) => x.toFixed(0)).join(' ')})`);
console.log(`  wall per lifecycle: median ${median(wall).toFixed(1)} µs; ${(1e6 / median(wall)).toFixed(0)} lifecycles/s on one core`);
if (sink < 0) console.log(sink);
