import { triggerLabel, type MachineChart } from './machine-chart.js';

/** Mermaid identifiers must be plain words; every state name of the eight machines already is. */
function id(state: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(state) ? state : state.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Mermaid label text cannot hold `:` `;` `#` or newlines (they end or escape the statement). */
function text(label: string): string {
  return label.replace(/[:;#\n]/g, ' ');
}

/**
 * A Mermaid `stateDiagram-v2` of one machine: `[*] -->` the initial state, terminal states `--> [*]` (and styled by the
 * `terminal` class), one arrow per trigger labelled `event [guard]`, extension edges labelled with an `(EXT-n)`
 * suffix (Mermaid state diagrams cannot style single arrows), and in-state updates as a note on their state.
 */
export function machineMermaid(chart: MachineChart): string {
  const lines = ['stateDiagram-v2', `  %% ${chart.entity_type} machine, version ${chart.version}; (EXT-n) marks extension edges`];
  lines.push(`  [*] --> ${id(chart.initial)}`);
  for (const t of chart.transitions) {
    if (t.internal) continue;
    const tag = t.ext ? ` (${t.ext})` : '';
    lines.push(`  ${id(t.from)} --> ${id(t.to)} : ${text(triggerLabel(t))}${tag}`);
  }
  for (const s of chart.states) if (s.terminal) lines.push(`  ${id(s.name)} --> [*]`);
  const updates = new Map<string, string[]>();
  for (const t of chart.transitions) if (t.internal) updates.set(t.from, [...(updates.get(t.from) ?? []), text(triggerLabel(t))]);
  for (const [state, triggers] of updates) lines.push(`  note right of ${id(state)} : in-state updates (not edges) ${triggers.join(', ')}`);
  const terminal = chart.states.filter((s) => s.terminal).map((s) => id(s.name));
  lines.push('  classDef terminal stroke-width:3px,font-weight:bold');
  if (terminal.length) lines.push(`  class ${terminal.join(',')} terminal`);
  return `${lines.join('\n')}\n`;
}
