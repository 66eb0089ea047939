import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENTITY_TYPES, machineCatalog } from '../../machines/index.js';
import { runGantry } from './run-gantry.js';

const chartSchema = z
  .object({
    entity_type: z.string(),
    version: z.string().regex(/^[0-9a-f]{12}$/),
    initial: z.string(),
    states: z.array(z.object({ name: z.string(), initial: z.boolean(), terminal: z.boolean(), failure: z.boolean() }).strict()),
    transitions: z.array(
      z
        .object({
          from: z.string(),
          to: z.string(),
          event: z.string(),
          guard: z.string().nullable(),
          ssot: z.boolean(),
          ext: z.string().nullable(),
          internal: z.boolean(),
          section: z.string().min(1),
        })
        .strict(),
    ),
  })
  .strict();

describe('gantry chart MACHINE --format json', () => {
  it.each(ENTITY_TYPES)('%s: states and every transition with guard, section and kind, as the catalog has them', async (type) => {
    const entry = machineCatalog[type];
    const { code, stdout } = await runGantry(['chart', type, '--format', 'json']);
    expect(code).toBe(0);
    const chart = chartSchema.parse(JSON.parse(stdout));
    expect(chart.entity_type).toBe(type);
    expect(chart.version).toBe(entry.version);
    expect(chart.initial).toBe(entry.initial);
    expect(chart.states.map((s) => s.name)).toEqual(entry.states);
    expect(chart.states.filter((s) => s.terminal).map((s) => s.name)).toEqual(entry.terminal);
    // Failure states (FAILURE_TAG), which the inspection page colours red.
    expect(chart.states.filter((s) => s.failure).map((s) => s.name)).toEqual(entry.failure);
    expect(chart.states.filter((s) => s.initial).map((s) => s.name)).toEqual([entry.initial]);
    expect(chart.transitions).toEqual(entry.transitions.map((t) => ({ ...t })));
  });

  it('guards and in-state updates are included: the circuit breaker’s threshold guard and CLOSED counters', async () => {
    const chart = chartSchema.parse(JSON.parse((await runGantry(['chart', 'circuit_breaker', '--format=json'])).stdout));
    expect(chart.transitions).toContainEqual({ from: 'CLOSED', to: 'OPEN', event: 'call_failed', guard: 'thresholdReached', ssot: true, ext: null, internal: false, section: '§2.4' });
    expect(chart.transitions.filter((t) => t.internal).map((t) => `${t.from}/${t.event}`)).toEqual(['CLOSED/call_failed', 'CLOSED/call_succeeded', 'HALF_OPEN/call_succeeded']);
  });

  it('--json alone selects the json format', async () => {
    const viaFormat = await runGantry(['chart', 'run', '--format', 'json']);
    const viaGlobal = await runGantry(['--json', 'chart', 'run']);
    expect(viaGlobal.code).toBe(0);
    expect(viaGlobal.stdout).toBe(viaFormat.stdout);
  });
});
