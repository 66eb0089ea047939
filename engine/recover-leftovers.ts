import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { clearStaleBranchLock } from '../git/index.js';
import { archiveWorkstream } from './archive-workstream.js';
import { isTerminal } from '../machines/index.js';
import type { RunContext } from './run-context.js';
import { deriveWorkstream } from './settle-workstream.js';
import { dropWorktree } from './worktree.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/**
 * Drops the worktree of every settled workstream of the run that still has one on disk — left by an engine that died
 * between settling a workstream and removing its worktree (its merge, its archive, the run's shutdown). The
 * worktrees this process made are dropped by the steps themselves; these are known only by their place.
 */
export async function dropSettledWorktrees(ctx: RunContext): Promise<string[]> {
  const notes: string[] = [];
  for (const ws of ctx.order.workstreams) {
    if (!isTerminal('workstream', (await ctx.actors.load('workstream', ctx.ids.workstream(ws))).state)) continue;
    const path = ctx.worktrees.get(ws) ?? join(ctx.stateDir, 'worktrees', ctx.ids.run, ws);
    if (!(await exists(join(path, '.git')))) continue;
    ctx.worktrees.set(ws, path);
    await dropWorktree(ctx, ws);
    notes.push(`workstream ${ws}: removed the worktree a settled workstream left`);
  }
  return notes;
}

/**
 * Finishes what a crash left half done around workstreams before a resumed run is driven on (docs/design/engine.md
 * §3 step 4), in this order:
 * - the target branch's lock held by a dead process of this host (an engine killed inside a merge) is removed;
 * - a workstream found `validating` (its merge window) is merged now, or found merged already (engine/merge-workstream.ts),
 *   so that the workstreams that depend on it are released at once rather than after every lane ended;
 * - a `failed` or `cancelled` workstream whose archive was never written is archived (a crash mid-archive);
 * - settled workstreams' worktrees are removed ({@link dropSettledWorktrees}).
 * Returns one line per repair.
 */
export async function recoverLeftovers(ctx: RunContext): Promise<string[]> {
  const notes: string[] = [];
  const target = ctx.plan.run.target_branch;
  if (await clearStaleBranchLock(ctx.plan.run.repository, target)) notes.push(`removed the lock of ${target} a dead engine held`);
  for (const ws of ctx.order.workstreams) {
    const id = ctx.ids.workstream(ws);
    if ((await ctx.actors.load('workstream', id)).state !== 'validating') continue;
    const now = await ctx.lock.run(() => deriveWorkstream(ctx, ws));
    notes.push(`workstream ${ws}: validating → ${now} (its merge completed)`);
  }
  for (const ws of ctx.order.workstreams) {
    const state = (await ctx.actors.load('workstream', ctx.ids.workstream(ws))).state;
    if (state !== 'failed' && state !== 'cancelled') continue;
    if (await exists(join(ctx.stateDir, 'archive', ctx.ids.run, `${ws}.json`))) continue;
    await archiveWorkstream(ctx, ws);
    notes.push(`workstream ${ws}: archived (the crash came before its archive)`);
  }
  notes.push(...(await dropSettledWorktrees(ctx)));
  return notes;
}
