import { getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { machineCatalog, type TransitionInfo } from '../machines/index.js';
import type { PathModel } from './path-models.js';

/** One step of a generated path: the event and the transition (from the catalog) it took. */
export interface PathStep {
  readonly event: { type: string } & Record<string, unknown>;
  readonly from: string;
  readonly to: string;
  readonly transition: TransitionInfo;
}

/** A generated path from the initial state: `kind` says whether it reaches a state or takes a transition. */
export interface GeneratedPath {
  readonly kind: 'state' | 'transition';
  readonly description: string;
  readonly steps: readonly PathStep[];
  readonly end: string;
}

/** What the graph walk of one machine found: its paths, one snapshot per reached state, and the rejected pairs. */
export interface MachineGraph {
  readonly paths: readonly GeneratedPath[];
  /** A snapshot in each reached state (the first one found). */
  readonly snapshots: ReadonlyMap<string, AnyMachineSnapshot>;
  /** (state, event type) pairs that no edge of the state accepts, with a sample event for each. */
  readonly unacceptedPairs: readonly { state: string; event: { type: string } & Record<string, unknown> }[];
}

/** The latest time a snapshot's context knows (epoch ms): the largest `*_at` or heartbeat time in it. */
export function latestTime(s: AnyMachineSnapshot): number {
  let t = 0;
  for (const [k, v] of Object.entries(s.context as Record<string, unknown>)) {
    if (typeof v === 'number' && (k.endsWith('_at') || k === 'last_heartbeat' || k === 'unresponsive_since') && v > t) t = v;
  }
  return t;
}

/** The model's events as they would be sent in snapshot `s`: each at `latestTime(s) + dt`. */
export function eventsAt(model: PathModel, s: AnyMachineSnapshot): ({ type: string; now: number } & Record<string, unknown>)[] {
  const base = latestTime(s);
  return model.events.map(({ dt, ...rest }) => ({ ...rest, now: base + dt }));
}

/** The vertex key: state value plus the model's bounded counters. */
export function serializerFor(model: PathModel): (s: AnyMachineSnapshot) => string {
  return (s) => JSON.stringify([s.value, ...model.counters.map((c) => (s.context as Record<string, unknown>)[c])]);
}

function transitionOf(entityType: PathModel['entityType'], from: string, event: string, to: string): TransitionInfo {
  const found = machineCatalog[entityType].transitions.find((t) => t.from === from && t.event === event && t.to === to);
  if (!found) throw new Error(`${entityType}: step ${from} --${event}--> ${to} matches no transition of the definition`);
  return found;
}

/**
 * Walks one machine with @xstate/graph: shortest paths to every reachable vertex, plus for every transition found
 * in the adjacency map the shortest path to its source followed by that transition (so every edge is taken).
 */
export function generatePaths(model: PathModel): MachineGraph {
  const entry = machineCatalog[model.entityType];
  const serializeState = serializerFor(model);
  // The limit turns an unbounded graph (a counter missing from the model) into an error instead of exhausting memory.
  const options = { input: model.input, events: (s: AnyMachineSnapshot) => eventsAt(model, s), serializeState, limit: 20_000 } as never;
  const adjacency = getAdjacencyMap(entry.machine, options);
  const shortest = getShortestPaths(entry.machine, options);

  // Paths are re-timed so that time never runs backwards along them (SSOT §8.3): an event dated before the previous
  // one is moved to the previous one's time. The generated tests replay every path and check it still lands the same.
  const toSteps = (steps: readonly { event: EventObject; state: AnyMachineSnapshot }[], start: AnyMachineSnapshot): PathStep[] => {
    let prev = start;
    let last = 0;
    return steps.map((s) => {
      const from = String(prev.value);
      const to = String(s.state.value);
      prev = s.state;
      const ev = s.event as PathStep['event'] & { now: number };
      last = Math.max(last, ev.now);
      return { event: { ...ev, now: last }, from, to, transition: transitionOf(model.entityType, from, s.event.type, to) };
    });
  };

  const byKey = new Map<string, { steps: { event: EventObject; state: AnyMachineSnapshot }[] }>();
  const paths: GeneratedPath[] = [];
  const initial = Object.values(adjacency)[0]!.state as AnyMachineSnapshot;
  for (const p of shortest) {
    const key = serializeState(p.state as AnyMachineSnapshot);
    // @xstate/graph includes the initial (xstate.init) step in the path; drop it.
    const steps = (p.steps as { event: EventObject; state: AnyMachineSnapshot }[]).filter((s) => !s.event.type.startsWith('xstate.'));
    byKey.set(key, { steps });
    paths.push({ kind: 'state', description: `reach ${key}`, steps: toSteps(steps, initial), end: String(p.state.value) });
  }

  const snapshots = new Map<string, AnyMachineSnapshot>();
  const seenTriggers = new Set<string>();
  const unaccepted = new Map<string, { state: string; event: PathStep['event'] }>();
  for (const [key, vertex] of Object.entries(adjacency)) {
    const state = vertex.state as AnyMachineSnapshot;
    const value = String(state.value);
    if (!snapshots.has(value)) snapshots.set(value, state);
    for (const { event, state: next } of Object.values(vertex.transitions) as { event: EventObject; state: AnyMachineSnapshot }[]) {
      const ev = event as PathStep['event'];
      if (next === state) {
        const accepts = entry.transitions.some((t) => t.from === value && t.event === ev.type);
        if (!accepts && !unaccepted.has(`${value}/${ev.type}`)) unaccepted.set(`${value}/${ev.type}`, { state: value, event: ev });
        continue;
      }
      const to = String((next as AnyMachineSnapshot).value);
      const trigger = `${value}|${ev.type}|${to}`;
      if (seenTriggers.has(trigger)) continue;
      seenTriggers.add(trigger);
      const head = byKey.get(key)?.steps ?? [];
      const steps = [...head, { event: ev, state: next as AnyMachineSnapshot }];
      paths.push({ kind: 'transition', description: `take ${value} --${ev.type}--> ${to}`, steps: toSteps(steps, initial), end: to });
    }
  }
  return { paths, snapshots, unacceptedPairs: [...unaccepted.values()] };
}
