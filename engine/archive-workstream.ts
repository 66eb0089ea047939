import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveBranch, archivedRef, branchExists } from '../git/index.js';
import { workstreamRows } from '../persistence/index.js';
import type { RunContext } from './run-context.js';
import { dropWorktree } from './worktree.js';

/**
 * Archives a failed or cancelled workstream (SSOT §1.3.7 inv. 4): its worktree is removed, its integration branch
 * moved under `refs/gantry/archive/`, and the JSON of its entities (workstream, tasks, ledger entries, gates) written
 * to `<stateDir>/archive/<run>/<ws>.json`. Returns the archive file.
 */
export async function archiveWorkstream(ctx: RunContext, ws: string): Promise<string> {
  await dropWorktree(ctx, ws);
  const repo = ctx.plan.run.repository;
  const branch = ctx.ids.branch(ws);
  // Archived already by an engine that died before writing the file: that ref is named (resume, a crash mid-archive).
  const archiveRef = (await branchExists(repo, branch)) ? await archiveBranch(repo, branch) : await archivedRef(repo, branch);
  const wsId = ctx.ids.workstream(ws);
  const { workstream, tasks, ledger, gates, patches } = await workstreamRows(ctx.db, wsId);
  const dir = join(ctx.stateDir, 'archive', ctx.ids.run);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${ws}.json`);
  const body = { run_id: ctx.ids.run, workstream_id: wsId, archived_at: new Date(ctx.clock.now()).toISOString(), branch, archive_ref: archiveRef, workstream, tasks, patches, ledger, gates };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
