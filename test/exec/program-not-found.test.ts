import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ProcessSpawnError, programNotFound, programOf, programOnPath, runProcess } from '../../exec/index.js';

describe('program not found (exec/program-not-found.ts)', () => {
  it('names the missing program of an argv command (spawn ENOENT) and of a shell command (exit 127)', async () => {
    const spawnError = await runProcess({ command: ['gantry-absent-program', '-x'], cwd: tmpdir() }).catch((e: unknown) => e);
    expect(spawnError).toBeInstanceOf(ProcessSpawnError);
    expect(programNotFound(['gantry-absent-program', '-x'], spawnError as ProcessSpawnError)).toBe('program not found: gantry-absent-program');
    const shell = await runProcess({ command: 'FOO=1 gantry-absent-shell-program --flag', cwd: tmpdir() });
    expect(shell.exitCode).toBe(127);
    expect(programNotFound('FOO=1 gantry-absent-shell-program --flag', shell)).toBe('program not found: gantry-absent-shell-program');
  });

  it('is null for other failures: a missing working directory, an argv program that exits 127 itself, any other exit', async () => {
    const noCwd = await runProcess({ command: ['node', '-e', '0'], cwd: '/nonexistent/gantry' }).catch((e: unknown) => e);
    expect(programNotFound(['node', '-e', '0'], noCwd as ProcessSpawnError)).toBeNull();
    const own127 = await runProcess({ command: ['node', '-e', 'process.exit(127)'], cwd: tmpdir() });
    expect(programNotFound(['node', '-e', 'process.exit(127)'], own127)).toBeNull();
    const one = await runProcess({ command: 'exit 1', cwd: tmpdir() });
    expect(programNotFound('exit 1', one)).toBeNull();
  });

  it('finds the program a command starts on PATH; shell keywords, builtins and expansions are not checked', () => {
    expect(programOf(['node', '-e', '0'])).toBe('node');
    expect(programOf('A=1 B=2 make test')).toBe('make');
    expect(programOf('cd sub && make')).toBeNull();
    expect(programOf('$TOOL --fix')).toBeNull();
    expect(programOnPath('node', tmpdir())).toBe(true);
    expect(programOnPath('gantry-absent-program', tmpdir())).toBe(false);
    expect(programOnPath('node', tmpdir(), '/nonexistent-dir')).toBe(false);
    expect(programOnPath(process.execPath, tmpdir(), '')).toBe(true);
  });
});
