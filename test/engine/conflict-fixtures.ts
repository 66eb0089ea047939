import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PersistedActors } from '../../actors/index.js';
import { runGit } from '../../git/index.js';
import { slowWriteCmd, writeCmd, type EngineSandbox } from './engine-fixtures.js';

/** The file both workstreams of the conflict plans edit, and what it holds on `main` at first. */
export const SHARED_FILE = 'src/app.js';
export const SHARED_START = 'export const x = 1;\n';

/**
 * A node command that re-reads {@link SHARED_FILE} and multiplies the number in it by 10: run again on a changed file it
 * makes its change on what it finds (the re-run of a conflict round).
 */
export function timesTenCmd(): string[] {
  return ['node', '-e', `const fs=require('fs');const f=${JSON.stringify(SHARED_FILE)};const s=fs.readFileSync(f,'utf8');fs.writeFileSync(f,s.replace(/x = (\\d+)/,(m,n)=>'x = '+String(Number(n)*10)))`];
}

/** A gate command passing when {@link SHARED_FILE} contains `text`. */
export function fileHasCmd(text: string): string[] {
  return ['node', '-e', `process.exit(require('fs').readFileSync(${JSON.stringify(SHARED_FILE)},'utf8').includes(${JSON.stringify(text)})?0:1)`];
}

/**
 * Two workstreams that both change the one line of {@link SHARED_FILE}: `a` merges first; `b`'s last task waits for
 * `a`'s task (a task dependency across workstreams) and takes `slowMs` more, so that `b` merges second and meets `a`'s
 * change. `b` is given `extra` (its `on_conflict`, `max_conflict_rounds`, gates…) and its tasks `bTasks`.
 */
export function conflictPlan(runId: string, aContent: string, bTasks: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    run: { id: runId },
    workstreams: [
      { id: 'a', tasks: [{ id: 'a1', command: writeCmd(SHARED_FILE, aContent) }] },
      { id: 'b', ...extra, tasks: bTasks },
    ],
  };
}

/** `b`'s last task: waits for `a1`, then writes `content` to `file` and lingers `ms` (so that `b` merges after `a`). */
export function laterTask(id: string, file: string, content: string, ms = 400): Record<string, unknown> {
  return { id, depends_on: ['a1'], command: slowWriteCmd(file, content, ms) };
}

/** {@link SHARED_FILE} on the target branch `main` of the sandbox's repository. */
export async function sharedOnMain(box: EngineSandbox): Promise<string> {
  return (await runGit(box.repo, ['show', `main:${SHARED_FILE}`])).stdout;
}

/** The file `file` on `main`. */
export async function fileOnMain(box: EngineSandbox, file: string): Promise<string> {
  return (await runGit(box.repo, ['show', `main:${file}`])).stdout;
}

/** The triggers of workstream `ws`'s audit history, with each row's reason. */
export async function workstreamTrail(actors: PersistedActors, runId: string, ws: string): Promise<{ trigger: string; to: string; reason: string | null }[]> {
  return (await actors.history('workstream', `${runId}.${ws}`)).map((r) => ({ trigger: r.trigger, to: r.toState, reason: r.reason }));
}

/** Reads a file of a directory (test convenience). */
export async function readText(dir: string, file: string): Promise<string> {
  return readFile(join(dir, file), 'utf8');
}
