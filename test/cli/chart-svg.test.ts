import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, edgesOf, machineCatalog } from '../../machines/index.js';
import { runGantry, xmlElements } from './run-gantry.js';

/** The attributes of every `<g class="…state…" …>` start tag, by its data-state. */
function stateGroups(svg: string): Map<string, string> {
  const groups = new Map<string, string>();
  for (const m of svg.matchAll(/<g class="([^"]*\bstate\b[^"]*)" data-state="([^"]+)">([\s\S]*?)<\/g>/g)) {
    if (groups.has(m[2]!)) throw new Error(`two nodes for state ${m[2]}`);
    groups.set(m[2]!, `${m[1]}|${m[3]}`);
  }
  return groups;
}

describe('gantry chart MACHINE --format svg', () => {
  it.each(ENTITY_TYPES)('%s: well-formed SVG, one node per state, terminal ones double-bordered, extension edges dashed', async (type) => {
    const entry = machineCatalog[type];
    const { code, stdout, stderr } = await runGantry(['chart', type, '--format', 'svg']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const elements = xmlElements(stdout);
    expect(elements[0]).toBe('svg');
    expect(stdout).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);

    const groups = stateGroups(stdout);
    expect([...groups.keys()].sort()).toEqual([...entry.states].sort());
    for (const [state, body] of groups) {
      const rects = body.match(/<rect /g)?.length ?? 0;
      expect(rects, `${state} borders`).toBe(entry.terminal.includes(state) ? 2 : 1);
      expect(body.split('|')[0]!.split(' ').includes('terminal')).toBe(entry.terminal.includes(state));
    }
    expect(stdout.match(/class="initial-marker"/g)).toHaveLength(1);

    const ssotEdges = [...stdout.matchAll(/<g class="edge ssot" data-from="([^"]+)" data-to="([^"]+)">/g)].map((m) => `${m[1]}->${m[2]}`);
    const extEdges = [...stdout.matchAll(/<g class="edge ext" data-from="([^"]+)" data-to="([^"]+)" data-ext="(EXT-\d+)">(<path [^>]*>)/g)];
    expect(new Set(ssotEdges)).toEqual(new Set(edgesOf(entry, 'ssot').map((e) => `${e.from}->${e.to}`)));
    expect(new Set(extEdges.map((m) => `${m[1]}->${m[2]}`))).toEqual(new Set(edgesOf(entry, 'ext').map((e) => `${e.from}->${e.to}`)));
    for (const m of extEdges) expect(m[4]).toContain('stroke-dasharray');
    for (const path of stdout.matchAll(/<path d="(M[^"]*)" fill="none"/g)) expect(path[1]).toMatch(/^M[\d.-]+,[\d.-]+( [ML][\d.-]+,[\d.-]+)+$/);
  });

  it('labels edges with their triggers as `event [guard]`', async () => {
    const { stdout } = await runGantry(['chart', 'patch_ledger', '--format', 'svg']);
    expect(stdout).toContain('>retry_apply [attemptsRemain]</tspan>');
    expect(stdout).toContain('>(EXT-3)</tspan>');
    expect(stdout).toContain('>rollback [compensated]</tspan>');
  });
});
