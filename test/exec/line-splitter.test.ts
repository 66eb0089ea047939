import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS, runProcess } from '../../exec/index.js';

// Issue 15: a tool's standard output read line by line as it arrives (usage reports), and its prompt on stdin.
describe('LineSplitter', () => {
  const split = (chunks: Buffer[]): string[] => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    for (const c of chunks) s.push(c);
    s.end();
    return lines;
  };

  it('joins lines across chunks, decodes UTF-8 split inside a character, drops \\r, keeps a last line without newline', () => {
    const euro = Buffer.from('€');
    expect(split([Buffer.from('a\r\nb'), Buffer.from('c\n'), euro.subarray(0, 1), euro.subarray(1), Buffer.from('\nlast')])).toEqual(['a', 'bc', '€', 'last']);
  });

  it('drops an overlong line whole, never in pieces, and goes on after it', () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 10);
    expect(split([Buffer.from(`ok\n${long.slice(0, 40000)}`), Buffer.from(long.slice(40000)), Buffer.from('\nafter\n')])).toEqual(['ok', 'after']);
  });
});

describe('runProcess input and onStdoutLine', () => {
  it('writes input to stdin and hands on stdout lines as they come; a process that ignores stdin is not disturbed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gantry-input-'));
    try {
      const lines: string[] = [];
      const r = await runProcess({ command: ['node', '-e', "process.stdin.pipe(process.stdout)"], cwd: dir, input: 'one\ntwo\n', onStdoutLine: (l) => lines.push(l) });
      expect(r.exitCode).toBe(0);
      expect(lines).toEqual(['one', 'two']);
      const big = 'y'.repeat(4 * 1024 * 1024); // more than a pipe holds: the writer meets EPIPE when the process exits
      const ignored = await runProcess({ command: ['node', '-e', 'process.exit(0)'], cwd: dir, input: big });
      expect(ignored.exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
