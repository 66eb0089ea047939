import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../machines/index.js';
import { runGantry } from './run-gantry.js';

describe('gantry coverage', () => {
  it('--json prints the report: eight machines, complete, exit 0', async () => {
    const { code, stdout, stderr } = await runGantry(['coverage', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      complete: boolean;
      machines: { entityType: string; complete: boolean; states: { total: number; reached: string[] }; ssotEdges: { total: number; taken: number }; extEdges: { total: number; taken: number } }[];
    };
    expect(report.complete).toBe(true);
    expect(report.machines.map((m) => m.entityType)).toEqual([...ENTITY_TYPES]);
    const sum = (f: (m: (typeof report.machines)[number]) => number) => report.machines.reduce((n, m) => n + f(m), 0);
    expect([sum((m) => m.states.total), sum((m) => m.ssotEdges.total), sum((m) => m.extEdges.total)]).toEqual([51, 66, 12]);
    for (const m of report.machines) {
      expect(m.complete, m.entityType).toBe(true);
      expect(m.states.reached).toHaveLength(m.states.total);
      expect(m.ssotEdges.taken).toBe(m.ssotEdges.total);
      expect(m.extEdges.taken).toBe(m.extEdges.total);
    }
  });

  it('the human table has a row per machine with x/N columns and says coverage is complete, exit 0', async () => {
    const { code, stdout } = await runGantry(['coverage']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^machine\s+states reached\s+SSOT edges taken\s+extension edges taken\s+invalid pairs rejected/);
    for (const type of ENTITY_TYPES) expect(lines.find((l) => l.startsWith(`${type} `)), type).toMatch(/\s(\d+)\/\1\s+(\d+)\/\2\s+(\d+)\/\3\s+(\d+)\/\4\s+\d+\s+yes$/);
    expect(lines.find((l) => l.startsWith('total '))).toMatch(/\s51\/51\s+66\/66\s+12\/12\s/);
    expect(stdout).toContain('coverage complete');
  });
});
