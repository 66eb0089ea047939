import { edgesOf, ENTITY_TYPES, machineCatalog, type MachineEntry, type TransitionInfo } from '../../machines/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';

/** One trigger of an edge in `gantry machines --json` (docs/design/plan.md). */
interface ListedTransition {
  from: string;
  to: string;
  event: string;
  ssot: boolean;
  ext: string | null;
}

/** One machine in `gantry machines --json` (docs/design/plan.md). */
interface ListedMachine {
  entity_type: string;
  states: { name: string; terminal: boolean }[];
  transitions: ListedTransition[];
}

/** Triggers of real edges (internal in-state updates left out: docs/design/plan.md's shape has no field for them), one per from/to/event. */
function listedTransitions(entry: MachineEntry): ListedTransition[] {
  const seen = new Map<string, ListedTransition>();
  for (const t of entry.transitions) {
    if (t.internal) continue;
    const key = `${t.from}\u0000${t.to}\u0000${t.event}`;
    if (!seen.has(key)) seen.set(key, { from: t.from, to: t.to, event: t.event, ssot: t.ssot, ext: t.ext });
  }
  return [...seen.values()];
}

/** The document `gantry machines --json` prints, in exactly the shape of docs/design/plan.md. */
function listing(): { machines: ListedMachine[] } {
  return {
    machines: ENTITY_TYPES.map((type) => {
      const entry = machineCatalog[type];
      return {
        entity_type: type,
        states: entry.states.map((name) => ({ name, terminal: entry.terminal.includes(name) })),
        transitions: listedTransitions(entry),
      };
    }),
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function trigger(t: TransitionInfo): string {
  return t.guard ? `${t.event} [${t.guard}]` : t.event;
}

/** Lines `from → to  event [guard], …` for the edges of one kind, triggers grouped per from→to. */
function edgeLines(entry: MachineEntry, kind: 'ssot' | 'ext'): string[] {
  const edges = edgesOf(entry, kind);
  const width = Math.max(0, ...edges.map((e) => `${e.from} → ${e.to}`.length));
  return edges.map((e) => {
    const triggers = entry.transitions.filter((t) => !t.internal && t.from === e.from && t.to === e.to).map(trigger);
    const tag = e.ext ? `  (${e.ext})` : '';
    return `    ${`${e.from} → ${e.to}`.padEnd(width)}  ${[...new Set(triggers)].join(', ')}${tag}`;
  });
}

function machineSection(entry: MachineEntry): string {
  const ssotEdges = edgesOf(entry, 'ssot');
  const extEdges = edgesOf(entry, 'ext');
  const updates = entry.transitions.filter((t) => t.internal).map((t) => `${t.from}: ${trigger(t)}`);
  const states = entry.states.map((s) => (entry.terminal.includes(s) ? `${s}†` : s));
  return [
    `${entry.entityType} (initial: ${entry.initial}, version ${entry.version})`,
    `  states (${entry.states.length}, † terminal): ${states.join(', ')}`,
    `  SSOT edges (${ssotEdges.length}):`,
    ...edgeLines(entry, 'ssot'),
    `  extension edges (${extEdges.length}):${extEdges.length ? '' : ' none'}`,
    ...edgeLines(entry, 'ext'),
    ...(updates.length ? [`  in-state updates, not edges (${updates.length}):`, ...updates.map((u) => `    ${u}`)] : []),
  ].join('\n');
}

/** The human-readable report: a summary table, the computed total line, then each machine's states and edges. */
function humanReport(): string {
  const header = ['machine', 'states', 'terminal', 'SSOT edges', 'extension edges', 'in-state updates'];
  const totals = [0, 0, 0, 0, 0];
  const rows = ENTITY_TYPES.map((type) => {
    const e = machineCatalog[type];
    const counts = [e.states.length, e.terminal.length, edgesOf(e, 'ssot').length, edgesOf(e, 'ext').length, e.transitions.filter((t) => t.internal).length];
    counts.forEach((n, i) => (totals[i]! += n));
    return [type, ...counts.map(String)];
  });
  const [states, , ssot, ext] = totals;
  return [
    table([header, ...rows, ['total', ...totals.map(String)]]),
    '',
    `${states} states, ${ssot} SSOT edges, ${ext} extension edges`,
    '',
    ENTITY_TYPES.map((type) => machineSection(machineCatalog[type])).join('\n\n'),
    '',
  ].join('\n');
}

/** `gantry machines [--json]`: the eight machines, their states and edges (docs/design/plan.md). */
export const machinesCommand: Command = {
  name: 'machines',
  summary: 'the eight machines: states and edges (--json for the plan.md document)',
  usage: 'machines [--json]',
  description: [
    'Human output: a table of counts per machine, the total line, then per machine its states (terminal ones',
    'marked †), its SSOT edges and extension edges (EXT-n) with their triggers as `event [guard]`, and its',
    'in-state updates (targetless transitions such as heartbeats, which are not edges).',
    '',
    '--json prints {"machines":[{"entity_type","states":[{"name","terminal"}],"transitions":[{"from","to",',
    '"event","ssot","ext"}]}]}: one transition per trigger (from, to, event) of an edge; in-state updates are',
    'not listed (see `gantry chart MACHINE --format json` for them, with guards and SSOT sections).',
  ].join('\n'),
  run(ctx) {
    positionalArgs(ctx, []);
    ctx.io.out(ctx.global.json ? JSON.stringify(listing(), null, 2) : humanReport());
    return EXIT.ok;
  },
};
