import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

/** The checkout's root: tests run the CLI from here. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The real CLI the tests spawn (`node GANTRY_BIN ...args`): the sources compiled once per run by the global setup
 * (test/support/cli-build.ts) — what a user installs, never a stale dist/, without tsx's start-up cost per call.
 */
export const GANTRY_BIN: string = inject('gantryCli');

/** What one `gantry` invocation printed and how it exited. */
export interface GantryResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node GANTRY_BIN ...args` as a child process and resolves with its exit code and output (never rejects on exit codes). */
export function runGantry(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<GantryResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** A long-running `gantry` child whose output (stdout and stderr) is collected; `done` resolves with its exit code. */
export interface GantryChild {
  readonly proc: ChildProcess;
  readonly out: () => string;
  readonly done: Promise<number | null>;
}

/** Starts `node GANTRY_BIN ...args` (an engine, a worker) and returns at once; see {@link GantryChild}. */
export function startGantry(args: readonly string[], env: NodeJS.ProcessEnv = process.env): GantryChild {
  const proc = spawn(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => resolve(code));
  });
  return { proc, out: () => out, done };
}

/** Checks that `text` is well-formed XML as far as tags go (every element closed, in order) and returns the element names in order. */
export function xmlElements(text: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (/[<>]/.test(text.slice(last, m.index))) throw new Error(`stray < or > before offset ${m.index}`);
    last = tag.lastIndex;
    if (m[2] === undefined) continue;
    if (m[1]) {
      const top = open.pop();
      if (top !== m[2]) throw new Error(`</${m[2]}> closes <${top ?? 'nothing'}>`);
    } else {
      names.push(m[2]);
      if (!m[4]) open.push(m[2]);
    }
  }
  if (/[<>]/.test(text.slice(last))) throw new Error('stray < or > at the end');
  if (open.length) throw new Error(`unclosed <${open.join('>, <')}>`);
  return names;
}
