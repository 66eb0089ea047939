import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runGantry } from './run-gantry.js';

/** docs/design/plan.md's document, exactly: no field more, no field less. */
const listingSchema = z
  .object({
    machines: z.array(
      z
        .object({
          entity_type: z.string(),
          states: z.array(z.object({ name: z.string().min(1), terminal: z.boolean() }).strict()).min(1),
          transitions: z.array(
            z
              .object({
                from: z.string(),
                to: z.string(),
                event: z.string().min(1),
                ssot: z.boolean(),
                ext: z.string().regex(/^EXT-\d+$/).nullable(),
              })
              .strict(),
          ),
        })
        .strict(),
    ),
  })
  .strict();

/** docs/design/machines.md: states, SSOT edges and extension edges per machine. */
const EXPECTED: Record<string, [number, number, number]> = {
  run: [5, 5, 0],
  workstream: [9, 13, 4],
  task: [9, 11, 4],
  worker: [5, 8, 0],
  uet_worker: [5, 8, 0],
  patch_ledger: [10, 12, 2],
  test_gate: [5, 5, 2],
  circuit_breaker: [3, 4, 0],
};

describe('gantry machines --json', () => {
  it('prints the eight machines in the shape of docs/design/plan.md, with 51 states, 66 SSOT edges and 12 extension edges', async () => {
    const { code, stdout, stderr } = await runGantry(['machines', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const listing = listingSchema.parse(JSON.parse(stdout));
    expect(listing.machines.map((m) => m.entity_type)).toEqual(Object.keys(EXPECTED));

    const totals = [0, 0, 0];
    for (const m of listing.machines) {
      const names = m.states.map((s) => s.name);
      expect(new Set(names).size, `${m.entity_type}: duplicate state`).toBe(names.length);
      const terminal = new Set(m.states.filter((s) => s.terminal).map((s) => s.name));
      const triples = new Set<string>();
      for (const t of m.transitions) {
        expect(names, `${m.entity_type}: ${t.from} is a state`).toContain(t.from);
        expect(names, `${m.entity_type}: ${t.to} is a state`).toContain(t.to);
        expect(terminal.has(t.from), `${m.entity_type}: edge out of terminal ${t.from}`).toBe(false);
        // An edge is either an SSOT edge or an extension edge, never both, never neither.
        expect(t.ssot, `${m.entity_type}: ${t.from}->${t.to} ssot/ext`).toBe(t.ext === null);
        triples.add(`${t.from}|${t.to}|${t.event}`);
      }
      expect(triples.size, `${m.entity_type}: duplicate trigger`).toBe(m.transitions.length);
      const edges = (ssot: boolean) => new Set(m.transitions.filter((t) => t.ssot === ssot).map((t) => `${t.from}->${t.to}`)).size;
      const counts: [number, number, number] = [m.states.length, edges(true), edges(false)];
      expect(counts, m.entity_type).toEqual(EXPECTED[m.entity_type]);
      counts.forEach((n, i) => (totals[i]! += n));
    }
    expect(totals).toEqual([51, 66, 12]);
  });

  it('names each extension edge after docs/design/machines.md: EXT-1 workstream, EXT-2 task, EXT-3 and EXT-4 patch ledger, EXT-5 workstream, EXT-6 test gate, EXT-7 and EXT-8 workstream, EXT-9 test gate', async () => {
    const listing = listingSchema.parse(JSON.parse((await runGantry(['--json', 'machines'])).stdout));
    const ext = listing.machines.flatMap((m) => m.transitions.filter((t) => t.ext).map((t) => `${m.entity_type}:${t.ext}:${t.from}->${t.to}`));
    expect(new Set(ext)).toEqual(
      new Set([
        'workstream:EXT-1:blocked->cancelled',
        'task:EXT-2:pending->cancelled',
        'task:EXT-2:blocked->cancelled',
        'task:EXT-2:queued->cancelled',
        'task:EXT-2:retrying->cancelled',
        'patch_ledger:EXT-3:apply_failed->queued',
        'patch_ledger:EXT-4:quarantined->dropped',
        'workstream:EXT-5:ready->failed',
        'workstream:EXT-5:executing->failed',
        'test_gate:EXT-6:RUNNING->PASSED',
        'test_gate:EXT-6:RUNNING->FAILED',
        'workstream:EXT-7:validating->validating',
        'workstream:EXT-8:validating->validating',
        'test_gate:EXT-9:RUNNING->FAILED',
      ]),
    );
  });
});
