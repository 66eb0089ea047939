import { describe, expect, it } from 'vitest';
import { CANCELLED_EXIT_CODE, effectiveExitCode, OutputCapture, TIMEOUT_EXIT_CODE, truncationMark } from '../../exec/index.js';

describe('OutputCapture', () => {
  it('keeps chunks whole while under the cap', () => {
    const c = new OutputCapture(10);
    c.push(Buffer.from('abc'));
    c.push(Buffer.from('def'));
    expect(c.result()).toEqual({ text: 'abcdef', truncated: false, totalBytes: 6, droppedBytes: 0 });
  });

  it('cuts across chunks and counts everything past the cap', () => {
    const c = new OutputCapture(4);
    c.push(Buffer.from('abc'));
    c.push(Buffer.from('defgh'));
    c.push(Buffer.from('ij'));
    expect(c.result()).toEqual({ text: `abcd${truncationMark(6)}`, truncated: true, totalBytes: 10, droppedBytes: 6 });
  });

  it('never ends the kept head inside a multi-byte UTF-8 character', () => {
    const c = new OutputCapture(5);
    c.push(Buffer.from('aé€x')); // a(1) é(2) €(3) x(1): the cap falls inside €
    const r = c.result();
    expect(r.text).toBe(`aé${truncationMark(4)}`);
    expect(r.droppedBytes).toBe(4);
  });

  it('with a cap of 0 keeps nothing but still counts', () => {
    const c = new OutputCapture(0);
    c.push(Buffer.from('xyz'));
    expect(c.result()).toMatchObject({ truncated: true, droppedBytes: 3, totalBytes: 3 });
  });
});

describe('effectiveExitCode', () => {
  it('maps timeouts, aborts and signals to one integer', () => {
    const base = { exitCode: null, signal: null, timedOut: false, cancelled: false } as const;
    expect(effectiveExitCode({ ...base, exitCode: 2 })).toBe(2);
    expect(effectiveExitCode({ ...base, signal: 'SIGTERM', timedOut: true })).toBe(TIMEOUT_EXIT_CODE);
    expect(effectiveExitCode({ ...base, signal: 'SIGTERM', cancelled: true })).toBe(CANCELLED_EXIT_CODE);
    expect(effectiveExitCode({ ...base, signal: 'SIGKILL' })).toBe(137);
  });
});
