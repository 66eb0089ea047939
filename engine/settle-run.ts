import { workstreamFacts } from './entity-facts.js';
import { isTerminal, type RunContext } from './run-context.js';

/**
 * Decides the run by SSOT §3.3 and R-1 once it can: a critical workstream `failed` → `critical_workstream_failed` at
 * once (the rest is then cancelled by the caller); every workstream completed/skipped → `all_workstreams_done`;
 * every workstream terminal otherwise → `workstreams_settled`. Returns the run's state.
 */
export async function settleRun(ctx: RunContext): Promise<string> {
  const run = await ctx.actors.load('run', ctx.ids.run);
  if (run.state !== 'running') return run.state;
  const workstreams = await workstreamFacts(ctx);
  if (workstreams.some((w) => w.critical && w.state === 'failed')) {
    await ctx.actors.send('run', ctx.ids.run, { type: 'critical_workstream_failed', workstreams });
  } else if (workstreams.every((w) => w.state === 'completed' || w.state === 'skipped')) {
    await ctx.actors.send('run', ctx.ids.run, { type: 'all_workstreams_done', workstreams });
  } else if (workstreams.every((w) => isTerminal('workstream', w.state))) {
    await ctx.actors.send('run', ctx.ids.run, { type: 'workstreams_settled', workstreams });
  }
  return (await ctx.actors.load('run', ctx.ids.run)).state;
}
