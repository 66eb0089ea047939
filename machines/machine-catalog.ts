import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import { CIRCUIT_BREAKER_STATES, circuitBreakerEventSchemas, circuitBreakerInputSchema, circuitBreakerMachine } from './circuit-breaker-machine.js';
import type { EdgeMeta } from './edge-meta.js';
import { stateKinds } from './state-kinds.js';
import { PATCH_LEDGER_STATES, patchLedgerEventSchemas, patchLedgerInputSchema, patchLedgerMachine } from './patch-ledger-machine.js';
import { RUN_STATES, runEventSchemas, runInputSchema, runMachine } from './run-machine.js';
import { TASK_STATES, taskEventSchemas, taskInputSchema, taskMachine } from './task-machine.js';
import { TEST_GATE_STATES, testGateEventSchemas, testGateInputSchema, testGateMachine } from './test-gate-machine.js';
import { UET_WORKER_STATES, uetWorkerEventSchemas, uetWorkerInputSchema, uetWorkerMachine } from './uet-worker-machine.js';
import { WORKER_STATES, workerEventSchemas, workerInputSchema, workerMachine } from './worker-machine.js';
import { WORKSTREAM_STATES, workstreamEventSchemas, workstreamInputSchema, workstreamMachine } from './workstream-machine.js';

/** The eight entity types, in SSOT order (docs/design/machines.md). */
export const ENTITY_TYPES = ['run', 'workstream', 'task', 'worker', 'uet_worker', 'patch_ledger', 'test_gate', 'circuit_breaker'] as const;
/** One of the eight entity types. */
export type EntityType = (typeof ENTITY_TYPES)[number];

/** One trigger of one transition, read from a machine definition. */
export interface TransitionInfo {
  readonly from: string;
  /** Target state; equal to `from` for in-state updates (`edge: 'internal'`). */
  readonly to: string;
  readonly event: string;
  /** True for SSOT edges; false for extensions and internal updates. */
  readonly ssot: boolean;
  /** `EXT-n` for an extension edge, else null. */
  readonly ext: string | null;
  /** True for targetless in-state updates, which are not edges. */
  readonly internal: boolean;
  readonly guard: string | null;
  readonly section: string;
}

/** What the catalog knows about one machine, all derived from its definition. */
export interface MachineEntry {
  readonly entityType: EntityType;
  readonly machine: AnyStateMachine;
  readonly states: readonly string[];
  readonly initial: string;
  /** Final states (`type: 'final'`), which are exactly the states no transition leaves (checked on load). */
  readonly terminal: readonly string[];
  /** Failure states: the states tagged `FAILURE_TAG` in the definition (docs/design/machines.md order). */
  readonly failure: readonly string[];
  /** Every trigger of every transition, edges and internal updates. */
  readonly transitions: readonly TransitionInfo[];
  /** Every event type the machine knows. */
  readonly events: readonly string[];
  readonly eventSchemas: Readonly<Record<string, z.ZodType>>;
  readonly inputSchema: z.ZodType;
  /** Content hash of states and transitions: stored beside every persisted snapshot. */
  readonly version: string;
}

function guardName(g: unknown): string | null {
  if (g == null) return null;
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && 'type' in g && typeof (g as { type: unknown }).type === 'string') return (g as { type: string }).type;
  return 'inline';
}

/** What a machine module declares: the machine, its states in docs/design/machines.md order, its event and input schemas. */
interface MachineDefinition {
  readonly machine: AnyStateMachine;
  readonly states: readonly string[];
  readonly eventSchemas: Readonly<Record<string, z.ZodType>>;
  readonly inputSchema: z.ZodType;
}

/**
 * The machine modules keyed by entity type, with their precise types kept: the typed actor API
 * (`EntityTypes`, `ContextOf<T>`, `EventOf<T>` …) is derived from this object, the runtime catalog below from it too.
 */
export const machineDefinitions = {
  run: { machine: runMachine, states: RUN_STATES, eventSchemas: runEventSchemas, inputSchema: runInputSchema },
  workstream: { machine: workstreamMachine, states: WORKSTREAM_STATES, eventSchemas: workstreamEventSchemas, inputSchema: workstreamInputSchema },
  task: { machine: taskMachine, states: TASK_STATES, eventSchemas: taskEventSchemas, inputSchema: taskInputSchema },
  worker: { machine: workerMachine, states: WORKER_STATES, eventSchemas: workerEventSchemas, inputSchema: workerInputSchema },
  uet_worker: { machine: uetWorkerMachine, states: UET_WORKER_STATES, eventSchemas: uetWorkerEventSchemas, inputSchema: uetWorkerInputSchema },
  patch_ledger: { machine: patchLedgerMachine, states: PATCH_LEDGER_STATES, eventSchemas: patchLedgerEventSchemas, inputSchema: patchLedgerInputSchema },
  test_gate: { machine: testGateMachine, states: TEST_GATE_STATES, eventSchemas: testGateEventSchemas, inputSchema: testGateInputSchema },
  circuit_breaker: { machine: circuitBreakerMachine, states: CIRCUIT_BREAKER_STATES, eventSchemas: circuitBreakerEventSchemas, inputSchema: circuitBreakerInputSchema },
} as const satisfies { readonly [T in EntityType]: MachineDefinition };

function describe(entityType: EntityType, def: MachineDefinition): MachineEntry {
  const { machine, states: specStates, eventSchemas, inputSchema } = def;
  const root = machine.root;
  const defined = Object.keys(root.states);
  if (defined.length !== specStates.length || !defined.every((s) => specStates.includes(s))) {
    throw new Error(`${entityType}: definition states [${defined.join(', ')}] differ from the declared states [${specStates.join(', ')}]`);
  }
  // Listed in docs/design/machines.md order (the *_STATES constants), not definition order.
  const states = [...specStates];
  const kinds = stateKinds(machine);
  const terminal = states.filter((s) => kinds.final.includes(s));
  const failure = states.filter((s) => kinds.failure.includes(s));
  if (terminal.length !== kinds.noExit.length || !kinds.noExit.every((s) => terminal.includes(s))) {
    throw new Error(`${entityType}: final states [${terminal.join(', ')}] differ from the states no edge leaves [${kinds.noExit.join(', ')}]`);
  }
  const transitions: TransitionInfo[] = [];
  for (const s of states) {
    for (const [event, defs] of root.states[s]!.transitions) {
      for (const t of defs) {
        const meta = t.meta as EdgeMeta | undefined;
        if (!meta) throw new Error(`${entityType}: transition ${s} --${event}--> has no edge tag in its meta`);
        const target = t.target?.[0]?.key ?? s;
        const internal = meta.edge === 'internal';
        transitions.push({ from: s, to: target, event, ssot: meta.edge === 'SSOT', ext: meta.edge.startsWith('EXT-') ? meta.edge : null, internal, guard: guardName(t.guard), section: meta.section });
      }
    }
  }
  const events = Object.keys(eventSchemas);
  const version = createHash('sha256').update(JSON.stringify({ states, terminal, transitions })).digest('hex').slice(0, 12);
  return { entityType, machine, states, initial: String(root.initial.target[0]!.key), terminal, failure, transitions, events, eventSchemas, inputSchema, version };
}

/** The eight machines keyed by entity_type (SSOT §1–§2), everything derived from their definitions. */
export const machineCatalog: Readonly<Record<EntityType, MachineEntry>> = {
  run: describe('run', machineDefinitions.run),
  workstream: describe('workstream', machineDefinitions.workstream),
  task: describe('task', machineDefinitions.task),
  worker: describe('worker', machineDefinitions.worker),
  uet_worker: describe('uet_worker', machineDefinitions.uet_worker),
  patch_ledger: describe('patch_ledger', machineDefinitions.patch_ledger),
  test_gate: describe('test_gate', machineDefinitions.test_gate),
  circuit_breaker: describe('circuit_breaker', machineDefinitions.circuit_breaker),
};

/** Edges (distinct from→to pairs, internal updates excluded) of one machine, SSOT-tagged or extension. */
export function edgesOf(entry: MachineEntry, kind: 'ssot' | 'ext'): { from: string; to: string; ext: string | null }[] {
  const seen = new Map<string, { from: string; to: string; ext: string | null }>();
  for (const t of entry.transitions) {
    if (t.internal || (kind === 'ssot') !== t.ssot) continue;
    seen.set(`${t.from}->${t.to}`, { from: t.from, to: t.to, ext: t.ext });
  }
  return [...seen.values()];
}

/**
 * Triggers of the edges that lead from a state back to itself (not in-state updates): a conflict round of a
 * `validating` workstream (EXT-7, EXT-8). Read from the catalog; what explains an entity's state counts them.
 */
export const SELF_EDGE_TRIGGERS: readonly string[] = [
  ...new Set(Object.values(machineCatalog).flatMap((e) => e.transitions.filter((t) => !t.internal && t.from === t.to).map((t) => t.event))),
];
