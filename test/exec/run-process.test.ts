import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidProcessOptionsError, ProcessSpawnError, runProcess } from '../../exec/index.js';

let dir: string;
beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'gantry-exec-')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runProcess: commands, exit codes, environment', () => {
  it('returns the exit code of an argv command', async () => {
    const r = await runProcess({ command: ['sh', '-c', 'exit 3'], cwd: dir });
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, cancelled: false });
    expect(r.pid).toBeGreaterThan(1);
  });

  it('passes argv to the program untouched, with no shell in between', async () => {
    const r = await runProcess({ command: ['printf', '%s', 'a; echo b $HOME'], cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('a; echo b $HOME');
  });

  it('runs a string under sh -c, capturing stdout and stderr apart', async () => {
    const r = await runProcess({ command: 'echo one; echo two >&2; echo three; exit 5', cwd: dir });
    expect(r).toMatchObject({ exitCode: 5, stdout: 'one\nthree\n', stderr: 'two\n', stdoutTruncated: false, stderrTruncated: false });
  });

  it('runs in the given cwd', async () => {
    const r = await runProcess({ command: ['pwd'], cwd: dir });
    expect(r.stdout.trim()).toBe(dir);
  });

  it('sets env over the inherited environment, and can start from env alone', async () => {
    const inherited = await runProcess({ command: 'printf "%s|%s" "$GANTRY_TEST_VAR" "$PATH"', cwd: dir, env: { GANTRY_TEST_VAR: 'x y' } });
    expect(inherited.stdout).toBe(`x y|${process.env['PATH']}`);
    const bare = await runProcess({ command: ['/usr/bin/env'], cwd: dir, env: { ONLY: '1' }, inheritEnv: false });
    expect(bare.stdout).toBe('ONLY=1\n');
  });

  it('gives a string command with a missing program the shell exit code 127', async () => {
    const r = await runProcess({ command: 'gantry-no-such-program-xyz --flag', cwd: dir });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toMatch(/not found/);
  });

  it('rejects an argv command with a missing program with a ProcessSpawnError naming program and cwd', async () => {
    const error = await runProcess({ command: ['gantry-no-such-program-xyz'], cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessSpawnError);
    expect(error).toMatchObject({ program: 'gantry-no-such-program-xyz', cwd: dir, reason: 'program-not-found', code: 'ENOENT' });
    expect((error as Error).message).toContain(dir);
  });

  it('reports a program that is not executable as permission-denied', async () => {
    const script = join(dir, 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const error = await runProcess({ command: [script], cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessSpawnError);
    expect(error).toMatchObject({ program: script, reason: 'permission-denied', code: 'EACCES' });
  });

  it('tells a missing working directory apart from a missing program', async () => {
    const missing = join(dir, 'nope');
    const error = await runProcess({ command: 'true', cwd: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessSpawnError);
    expect(error).toMatchObject({ cwd: missing, reason: 'cwd-not-found' });
  });

  it('rejects unusable options before starting anything', async () => {
    await expect(runProcess({ command: [], cwd: dir })).rejects.toBeInstanceOf(InvalidProcessOptionsError);
    await expect(runProcess({ command: '  ', cwd: dir })).rejects.toBeInstanceOf(InvalidProcessOptionsError);
    await expect(runProcess({ command: 'true', cwd: dir, timeoutMs: -1 })).rejects.toMatchObject({ option: 'timeoutMs' });
  });
});

describe('runProcess: output cap', () => {
  it('keeps the head of each stream up to the cap, marks the truncation and counts the dropped bytes', async () => {
    const r = await runProcess({ command: 'yes | head -c 200000; printf tail >&2', cwd: dir, maxOutputBytes: 1000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdoutTruncated).toBe(true);
    expect(r.stdoutDroppedBytes).toBe(199_000);
    expect(r.stdout.startsWith('y\n'.repeat(500))).toBe(true);
    expect(r.stdout.slice(1000)).toBe('\n[gantry: output truncated, 199000 bytes dropped]\n');
    expect(r).toMatchObject({ stderr: 'tail', stderrTruncated: false, stderrDroppedBytes: 0 });
  });

  it('keeps everything under the default cap of 1 MiB', async () => {
    const r = await runProcess({ command: 'head -c 500000 /dev/zero | tr "\\0" a', cwd: dir });
    expect(r.stdoutTruncated).toBe(false);
    expect(r.stdout.length).toBe(500_000);
  });
});
