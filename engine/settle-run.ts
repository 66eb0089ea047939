import { isTerminal } from '../machines/index.js';
import { workstreamFacts } from './entity-facts.js';
import type { RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';

/**
 * Decides the run by SSOT §3.3 and R-1 once it can: its machine is offered the workstreams' facts as
 * `critical_workstream_failed` (a critical workstream failed: the rest is then cancelled by the caller),
 * `all_workstreams_done` and `workstreams_settled`, in that order, and takes the first its guards accept (none while
 * a workstream is still open). Returns the run's state.
 */
export async function settleRun(ctx: RunContext): Promise<string> {
  const run = await ctx.actors.load('run', ctx.ids.run);
  if (isTerminal('run', run.state)) return run.state;
  const workstreams = await workstreamFacts(ctx);
  const sent = await sendAccepted(ctx, 'run', ctx.ids.run, [
    { type: 'critical_workstream_failed', workstreams },
    { type: 'all_workstreams_done', workstreams },
    { type: 'workstreams_settled', workstreams },
  ]);
  return sent?.to ?? run.state;
}
