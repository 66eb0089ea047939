import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type { PlanTask } from '../plan/index.js';
import { PromptFileError } from './errors.js';

/** A prompt written for one attempt: its text and the file holding it (in a private folder of its own). */
export interface AttemptPrompt {
  readonly text: string;
  /** The folder to remove once the attempt ended (also made visible, read-only, inside the sandbox). */
  readonly dir: string;
  /** The file the tool finds as `GANTRY_PROMPT_FILE`. */
  readonly file: string;
}

/**
 * The text of a task's prompt at an attempt: `prompt` as written, or `prompt_file` read from the attempt's worktree
 * `wt` (as the workstream's earlier tasks left it). The file must resolve inside the worktree: a symbolic link leading
 * out of it is refused, so a task cannot make a later one read (and hand its tool) a file of the machine.
 * `PromptFileError` when it cannot be read; null when the task has no prompt.
 */
export async function promptText(task: PlanTask, wt: string): Promise<string | null> {
  if (task.prompt !== undefined) return task.prompt;
  if (task.prompt_file === undefined) return null;
  const root = await realpath(wt);
  let real: string;
  try {
    real = await realpath(join(wt, task.prompt_file));
  } catch {
    throw new PromptFileError(task.id, task.prompt_file, 'is not in the worktree');
  }
  if (!real.startsWith(root + sep)) throw new PromptFileError(task.id, task.prompt_file, 'leads out of the worktree');
  if (!(await stat(real)).isFile()) throw new PromptFileError(task.id, task.prompt_file, 'is not a file');
  return readFile(real, 'utf8');
}

/**
 * Writes the task's prompt (see {@link promptText}) for one attempt to `<tmp>/gantry-prompt-XXXX/prompt.md`, readable
 * by its owner only; null when the task has no prompt. Remove it with {@link removeAttemptPrompt} after the attempt.
 */
export async function writeAttemptPrompt(task: PlanTask, wt: string): Promise<AttemptPrompt | null> {
  const text = await promptText(task, wt);
  if (text === null) return null;
  const dir = await mkdtemp(join(tmpdir(), 'gantry-prompt-'));
  const file = join(dir, 'prompt.md');
  await writeFile(file, text, { mode: 0o600 });
  return { text, dir, file };
}

/** Removes an attempt's prompt folder (nothing when there is none). */
export async function removeAttemptPrompt(prompt: AttemptPrompt | null): Promise<void> {
  if (prompt !== null) await rm(prompt.dir, { recursive: true, force: true });
}
