import { entryOf, type EntityType } from '../machines/index.js';

/** One state of a machine chart. */
export interface ChartState {
  readonly name: string;
  readonly initial: boolean;
  readonly terminal: boolean;
  /** Tagged `FAILURE_TAG` in the machine definition (a failure state). */
  readonly failure: boolean;
}

/** One trigger of a machine chart: an edge trigger, or an in-state update (`internal`, `to` equal to `from`). */
export interface ChartTransition {
  readonly from: string;
  readonly to: string;
  readonly event: string;
  readonly guard: string | null;
  /** True for SSOT edges. */
  readonly ssot: boolean;
  /** `EXT-n` for an extension edge, else null. */
  readonly ext: string | null;
  /** True for a targetless in-state update (heartbeat, counter), which is not an edge. */
  readonly internal: boolean;
  /** SSOT section or resolution the trigger comes from, e.g. `§1.4`. */
  readonly section: string;
}

/** Everything a diagram of one machine needs, derived from its definition (the `--format json` chart). */
export interface MachineChart {
  readonly entity_type: EntityType;
  /** Content hash of the machine's states and transitions (as stored beside persisted snapshots). */
  readonly version: string;
  readonly initial: string;
  readonly states: readonly ChartState[];
  readonly transitions: readonly ChartTransition[];
}

/** The edges of a chart drawn as one line each: triggers grouped per from → to and kind (SSOT or one EXT-n). */
export interface ChartEdge {
  readonly from: string;
  readonly to: string;
  /** `EXT-n` for an extension edge, null for an SSOT edge. */
  readonly ext: string | null;
  readonly triggers: readonly ChartTransition[];
}

/** The chart of one machine; throws the library's `UnknownEntityTypeError` (naming the known ones) for an unknown type. */
export function machineChart(entityType: string): MachineChart {
  const entry = entryOf(entityType);
  return {
    entity_type: entry.entityType,
    version: entry.version,
    initial: entry.initial,
    states: entry.states.map((name) => ({ name, initial: name === entry.initial, terminal: entry.terminal.includes(name), failure: entry.failure.includes(name) })),
    transitions: entry.transitions.map((t) => ({
      from: t.from,
      to: t.to,
      event: t.event,
      guard: t.guard,
      ssot: t.ssot,
      ext: t.ext,
      internal: t.internal,
      section: t.section,
    })),
  };
}

/** The edges of a chart (in-state updates left out), triggers grouped per from → to and kind, in definition order. */
export function chartEdges(chart: MachineChart): ChartEdge[] {
  const edges = new Map<string, { from: string; to: string; ext: string | null; triggers: ChartTransition[] }>();
  for (const t of chart.transitions) {
    if (t.internal) continue;
    const key = `${t.from}\u0000${t.to}\u0000${t.ext ?? 'SSOT'}`;
    const edge = edges.get(key) ?? { from: t.from, to: t.to, ext: t.ext, triggers: [] };
    edge.triggers.push(t);
    edges.set(key, edge);
  }
  return [...edges.values()];
}

/** How a trigger is labelled in diagrams: `event [guard]`. */
export function triggerLabel(t: ChartTransition): string {
  return t.guard ? `${t.event} [${t.guard}]` : t.event;
}
