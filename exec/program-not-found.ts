import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { NOT_FOUND_EXIT_CODE } from './effective-exit-code.js';
import { ProcessSpawnError } from './errors.js';

/** How `/bin/sh` reports a command it cannot find: `sh: 1: NAME: not found` (dash) or `sh: NAME: command not found` (bash). */
const SHELL_NOT_FOUND = /(?:^|\n)[^\n:]*sh: (?:line )?(?:\d+: )?([^\n:]+): (?:command )?not found/;

/**
 * `program not found: NAME` when an attempt failed because its program does not exist — retrying cannot help —
 * else null. `outcome` is the spawn error of an argv command, or the exit code and stderr of a string command run by
 * `sh -c`, where a missing program is the shell's exit code 127 (the name is taken from the shell's message).
 */
export function programNotFound(command: readonly string[] | string, outcome: ProcessSpawnError | { readonly exitCode: number | null; readonly stderr: string }): string | null {
  if (outcome instanceof ProcessSpawnError) return outcome.reason === 'program-not-found' ? `program not found: ${outcome.program}` : null;
  if (typeof command !== 'string' || outcome.exitCode !== NOT_FOUND_EXIT_CODE) return null;
  const name = SHELL_NOT_FOUND.exec(outcome.stderr)?.[1]?.trim();
  return `program not found: ${name ?? command.trim().split(/\s+/)[0]}`;
}

/** True when `file` is an executable regular file (or a symlink to one). */
function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const SHELL_WORDS = new Set(['if', 'then', 'else', 'fi', 'for', 'while', 'do', 'done', 'case', 'esac', 'until', '!', '{', '(', '[', '[[', 'test', 'true', 'false', 'exit', 'cd', 'echo', 'printf', 'export', 'set', 'unset', 'eval', 'exec', 'read', 'shift', 'trap', 'wait', 'command', 'type', ':', '.']);

/**
 * The program a command starts: argv[0], or the first word of a string command (after `VAR=value` assignments);
 * null when a string command starts with a shell keyword or builtin, or with an expansion, which cannot be checked.
 */
export function programOf(command: readonly string[] | string): string | null {
  if (typeof command !== 'string') return command[0] ?? null;
  const words = command.trim().split(/\s+/);
  const first = words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  if (!first || SHELL_WORDS.has(first) || /[$`"'(){};|&<>*?\\]/.test(first)) return null;
  return first;
}

/**
 * True when `program` can be started: a path (with a `/`) that is executable — relative ones from `cwd` — or a name
 * found executable in one of the `PATH` directories (default `process.env.PATH`).
 */
export function programOnPath(program: string, cwd: string, path: string = process.env['PATH'] ?? ''): boolean {
  if (program.includes('/')) return executable(isAbsolute(program) ? program : join(cwd, program));
  return path.split(delimiter).some((dir) => dir !== '' && executable(join(dir, program)));
}
