import { describe, expect, it } from 'vitest';
import { parseUsageLine } from '../../engine/usage-line.js';

// Issue 15: `gantry-usage {...}` lines on a tool's stdout; malformed and absurd ones are refused (ignored with a note).
describe('parseUsageLine', () => {
  it('reads any of the three amounts, absent ones 0, other keys ignored; other lines are not reports', () => {
    expect(parseUsageLine('gantry-usage {"input_tokens":10,"output_tokens":2,"cost_usd":0.01}')).toEqual({ usage: { input_tokens: 10, output_tokens: 2, cost_usd: 0.01 } });
    expect(parseUsageLine('gantry-usage {"cost_usd":1.5,"model":"x"}')).toEqual({ usage: { input_tokens: 0, output_tokens: 0, cost_usd: 1.5 } });
    expect(parseUsageLine('hello')).toBeNull();
    expect(parseUsageLine(' gantry-usage {"cost_usd":1}')).toBeNull();
  });

  it('refuses what is not an object of sane amounts', () => {
    const refused = (l: string) => (parseUsageLine(l) as { refused?: string }).refused;
    expect(refused('gantry-usage {oops')).toBe('not JSON');
    expect(refused('gantry-usage [1]')).toBe('not a JSON object');
    expect(refused('gantry-usage {"tokens":5}')).toBe('none of input_tokens, output_tokens, cost_usd');
    expect(refused('gantry-usage {"input_tokens":-1}')).toBe('input_tokens is not a number ≥ 0');
    expect(refused('gantry-usage {"output_tokens":1.5}')).toBe('output_tokens is not an integer');
    expect(refused('gantry-usage {"cost_usd":"3"}')).toBe('cost_usd is not a number ≥ 0');
    expect(refused('gantry-usage {"cost_usd":1e9}')).toMatch(/^cost_usd 1000000000 is absurd/);
    expect(refused('gantry-usage {"input_tokens":1e12}')).toMatch(/^input_tokens 1000000000000 is absurd/);
  });
});
