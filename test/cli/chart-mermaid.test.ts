import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, machineCatalog } from '../../machines/index.js';
import { runGantry } from './run-gantry.js';

describe('gantry chart MACHINE --format mermaid', () => {
  it.each(ENTITY_TYPES)('%s: stateDiagram-v2 with initial marker, final states, one labelled arrow per trigger, EXT-n suffixes', async (type) => {
    const entry = machineCatalog[type];
    const { code, stdout, stderr } = await runGantry(['chart', type, '--format', 'mermaid']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain(`  [*] --> ${entry.initial}`);
    for (const s of entry.terminal) expect(lines).toContain(`  ${s} --> [*]`);

    const edges = entry.transitions.filter((t) => !t.internal);
    for (const t of edges) {
      const label = t.guard ? `${t.event} [${t.guard}]` : t.event;
      expect(lines).toContain(`  ${t.from} --> ${t.to} : ${label}${t.ext ? ` (${t.ext})` : ''}`);
    }
    const arrows = lines.filter((l) => l.includes(' --> '));
    expect(arrows).toHaveLength(edges.length + 1 + entry.terminal.length);
    if (entry.terminal.length) expect(lines).toContain(`  class ${entry.terminal.join(',')} terminal`);
  });

  it('is the default format, and lists in-state updates as notes rather than arrows', async () => {
    const { code, stdout } = await runGantry(['chart', 'worker']);
    expect(code).toBe(0);
    expect(stdout.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(stdout).toContain('note right of busy : in-state updates (not edges) task_completed [oneTaskCompleted], task_assigned [canAssign], heartbeat');
    expect(stdout).not.toContain('idle --> idle');
  });
});
