import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, machineCatalog } from '../../machines/index.js';
import { guardMeanings, renderMachineReference } from '../../scripts/machine-reference.js';

// docs/machines.md is generated from the machines (`npm run docs:machines`); this fails when it drifts.
const committed = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'machines.md'), 'utf8');

describe('docs/machines.md, the generated machine reference', () => {
  it('is exactly what `npm run docs:machines` generates from machines/ (run it after changing a machine)', () => {
    expect(committed).toBe(renderMachineReference());
  });

  it('lists every state, every transition with its guard and tag, and every event of every machine', () => {
    for (const type of ENTITY_TYPES) {
      const entry = machineCatalog[type];
      const section = committed.slice(committed.indexOf(`(\`${type}\`)\n`));
      for (const s of entry.states) expect(section).toContain(`| \`${s}\` | ${s === entry.initial ? 'initial' : entry.terminal.includes(s) ? 'terminal' : '–'} |`);
      for (const t of entry.transitions) {
        expect(section).toContain(`| \`${t.from}\` | \`${t.event}\` | ${t.internal ? '(stays)' : `\`${t.to}\``} | ${t.guard ? `\`${t.guard}\`` : '–'} |`);
      }
      for (const e of entry.events) expect(section).toContain(`| \`${e}\` | `);
    }
  });

  it('gives every guard used by a transition a meaning, read from its TSDoc in machines/', () => {
    const meanings = guardMeanings();
    for (const type of ENTITY_TYPES) {
      for (const t of machineCatalog[type].transitions) {
        if (t.guard) expect(meanings.get(type)?.get(t.guard), `${type}.${t.guard}`).toMatch(/\w/);
      }
    }
  });

  it('explains each extension edge with the design document\'s reason', () => {
    for (const ext of ['EXT-1', 'EXT-2', 'EXT-3', 'EXT-4']) expect(committed).toMatch(new RegExp(`### ${ext}\\n\\n\\*\\*[^*]+\\.\\*\\* \\S`));
  });
});
