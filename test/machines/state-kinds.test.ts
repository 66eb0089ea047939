import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ENTITY_TYPES,
  entityStates,
  FAILURE_TAG,
  isFailureState,
  isTerminal,
  machineCatalog,
  REASON_MAX_LENGTH,
  stateKinds,
  taskEventSchemas,
} from '../../machines/index.js';

// Terminal states, failure states and the reason limit are read from the machine definitions, in one place.
describe('state kinds derived from the machines', () => {
  it.each(ENTITY_TYPES)('%s: terminal = final states = states no edge leaves', (type) => {
    const entry = machineCatalog[type];
    const root = entry.machine.root;
    const final = entry.states.filter((s) => root.states[s]!.type === 'final');
    const noExit = entry.states.filter((s) => !entry.transitions.some((t) => t.from === s && !t.internal && t.to !== s));
    expect(entry.terminal).toEqual(final);
    expect([...entry.terminal].sort()).toEqual([...noExit].sort());
    expect(entityStates.terminal[type]).toEqual(entry.terminal);
    for (const s of entry.states) expect(isTerminal(type, s), `${type}.${s}`).toBe(final.includes(s));
  });

  it.each(ENTITY_TYPES)('%s: failure states = states tagged in the definition', (type) => {
    const entry = machineCatalog[type];
    const tagged = entry.states.filter((s) => entry.machine.root.states[s]!.tags.includes(FAILURE_TAG));
    expect(entry.failure).toEqual(tagged);
    expect(entityStates.failure[type]).toEqual(tagged);
    expect([...stateKinds(entry.machine).failure].sort()).toEqual([...tagged].sort());
    for (const s of entry.states) expect(isFailureState(type, s), `${type}.${s}`).toBe(tagged.includes(s));
  });

  it('marks the failure states of docs/design/machines.md and the SSOT §7.2.2 severities (rolled_back yes, dropped no)', () => {
    expect(entityStates.failure).toEqual({
      run: ['failed'],
      workstream: ['failed'],
      task: ['failed'],
      worker: ['unresponsive'],
      uet_worker: [],
      patch_ledger: ['apply_failed', 'rolled_back', 'quarantined'],
      test_gate: ['FAILED'],
      circuit_breaker: ['OPEN'],
    });
    expect([...entityStates.failureNames].sort()).toEqual(['FAILED', 'OPEN', 'apply_failed', 'failed', 'quarantined', 'rolled_back', 'unresponsive']);
  });

  it('has one reason length limit, the one the event schemas enforce', () => {
    const ok = { type: 'user_cancelled', now: 1, reason: 'x'.repeat(REASON_MAX_LENGTH) };
    expect(taskEventSchemas.user_cancelled.safeParse(ok).success).toBe(true);
    expect(taskEventSchemas.user_cancelled.safeParse({ ...ok, reason: 'x'.repeat(REASON_MAX_LENGTH + 1) }).success).toBe(false);
    expect(taskEventSchemas.validation_failed.safeParse({ type: 'validation_failed', now: 1, error: 'x'.repeat(REASON_MAX_LENGTH + 1) }).success).toBe(false);
  });

  it('is never restated outside machines/: no literal of the limit, no reason cut to a number of its own in the engine', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const limit = new RegExp(String.raw`\b${String(REASON_MAX_LENGTH).replace(/(\d)(?=(\d{3})+$)/g, '$1_?')}\b`);
    // A reason or error text cut by hand (`….slice(0, 3900)`) instead of clipReason: the engine's ledger steps and blockers.
    const cut = /\b(?:reason|error|tampered)\s*[:=][^\n]*\.slice\(0, [\d_]+\)/;
    const found = ['actors', 'cli', 'engine', 'exec', 'git', 'ops', 'persistence', 'plan', 'visualizer']
      .flatMap(files)
      .flatMap((f) => readFileSync(join(root, f), 'utf8').split('\n').map((line, i) => ({ where: `${relative(root, join(root, f))}:${i + 1}`, line })))
      .filter(({ line }) => limit.test(line) || cut.test(line))
      .map(({ where, line }) => `${where}: ${line.trim()}`);
    expect(found).toEqual([]);
  });
});
