import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PersistedActors } from '../../actors/index.js';
import { revParse, runGit } from '../../git/index.js';
import type { TestDatabase } from '../support/test-database.js';
import type { EngineSandbox } from './engine-fixtures.js';

/** Whether `path` exists (a marker a planted filter, hook or textconv would create). */
export async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** The marker file a planted program would touch, in the sandbox folder. */
export function marker(box: EngineSandbox, name: string): string {
  return join(box.dir, `pwned-${name}`);
}

/** The files on `main` (through Gantry's hardened git: no planted driver runs while the test looks). */
export async function mainFiles(box: EngineSandbox): Promise<string[]> {
  return (await runGit(box.repo, ['ls-tree', '-r', '--name-only', 'refs/heads/main'])).stdout.trim().split('\n');
}

/** The head of `main`. */
export function mainHead(box: EngineSandbox): Promise<string> {
  return revParse(box.repo, 'refs/heads/main');
}

/** A task's state and last error, read through fresh actors. */
export async function taskOutcome(db: TestDatabase, id: string): Promise<{ state: string; error: string }> {
  const actors = new PersistedActors({ db: db.db });
  try {
    const t = await actors.load('task', id);
    return { state: t.state, error: String(t.context['last_error'] ?? '') };
  } finally {
    await actors.close();
  }
}

/** A workstream's state and the reason of its last transition. */
export async function workstreamOutcome(db: TestDatabase, id: string): Promise<{ state: string; reason: string }> {
  const actors = new PersistedActors({ db: db.db });
  try {
    const w = await actors.load('workstream', id);
    const last = (await actors.history('workstream', id)).at(-1)!;
    return { state: w.state, reason: last.reason ?? '' };
  } finally {
    await actors.close();
  }
}
