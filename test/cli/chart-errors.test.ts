import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../machines/index.js';
import { runGantry } from './run-gantry.js';

describe('gantry chart: bad input exits 2', () => {
  it('an unknown machine names the eight known ones', async () => {
    const { code, stdout, stderr } = await runGantry(['chart', 'spaceship', '--format', 'mermaid']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("'spaceship'");
    for (const type of ENTITY_TYPES) expect(stderr).toContain(type);
  });

  it('an unknown format names the known formats', async () => {
    const { code, stdout, stderr } = await runGantry(['chart', 'task', '--format', 'png']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("unknown format 'png'");
    expect(stderr).toContain('mermaid, json, svg');
  });

  it('a missing machine, an extra argument or a valueless --format is a usage error', async () => {
    for (const args of [['chart'], ['chart', 'task', 'run'], ['chart', 'task', '--format']]) {
      const { code, stderr } = await runGantry(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain("Run 'gantry help chart'");
    }
  });
});
