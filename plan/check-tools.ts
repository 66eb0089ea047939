import { statSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean, quoteList } from './did-you-mean.js';
import type { PlanFileIndex } from './plan-file-index.js';

/**
 * The checks of issue 15 on tasks that run agents: a task without a `command` must name a tool profile of `tools:`
 * (`tool: <name>`), a task gives at most one of `prompt` and `prompt_file`, and a `prompt_file` must be a file of the
 * repository's working tree at `repository` (checked when that folder exists: a plan checked away from its repository
 * is not refused for it; the attempt reads the file from its worktree and fails without retry when it is missing).
 */
export function checkTools(ix: PlanFileIndex, repository: string | null): void {
  const profiles = Object.keys(ix.file.tools);
  const repoThere = repository !== null && (statSync(repository, { throwIfNoEntry: false })?.isDirectory() ?? false);
  ix.file.workstreams.forEach((ws, w) => {
    ws.tasks.forEach((t, i) => {
      const at = ['workstreams', w, 'tasks', i];
      if (t.command === undefined) {
        if (t.tool === undefined) ix.error(at, `task '${t.id}' has no command: give it one, or 'tool:' naming a profile of 'tools:'`);
        else if (ix.file.tools[t.tool] === undefined) {
          const known = profiles.length > 0 ? ` (profiles: ${quoteList(profiles.sort())})` : ' (the plan has no tools: section)';
          ix.error([...at, 'tool'], `unknown tool profile '${t.tool}'${didYouMean(t.tool, profiles)}${known}: a task without a command runs its tool profile's`);
        }
      }
      if (t.prompt !== undefined && t.prompt_file !== undefined) {
        ix.error([...at, 'prompt_file'], `task '${t.id}' gives both prompt and prompt_file: keep one`);
      } else if (t.prompt_file !== undefined && repoThere) {
        const st = statSync(join(repository, t.prompt_file), { throwIfNoEntry: false });
        if (!st?.isFile()) ix.error([...at, 'prompt_file'], `prompt_file '${t.prompt_file}' is not a file of the repository (${repository})`);
      }
    });
  });
}
