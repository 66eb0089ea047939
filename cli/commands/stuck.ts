import { DEFAULT_STUCK_THRESHOLDS, findStuck, type StuckThresholds } from '../../ops/index.js';
import type { Command, CommandContext } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** A threshold option in seconds, as milliseconds. */
function seconds(ctx: CommandContext, name: string, fallbackMs: number): number {
  const v = stringOption(ctx, name);
  if (v === null) return fallbackMs;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || Number(v) <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got '${v}'`, ctx.command);
  return Number(v) * 1000;
}

/** `gantry stuck`: entities stuck past the thresholds of SSOT §5.1; exit 1 when any is. */
export const stuckCommand: Command = {
  name: 'stuck',
  summary: 'stuck workstreams, tasks and workers (SSOT §5.1); exit 1 when any',
  usage: 'stuck [--workstream-sec N] [--task-sec N] [--heartbeat-sec N] [--json]',
  options: { 'workstream-sec': { type: 'string' }, 'task-sec': { type: 'string' }, 'heartbeat-sec': { type: 'string' } },
  optionHelp: {
    'workstream-sec': 'a workstream executing longer is stuck (default 3600)',
    'task-sec': "a task running longer (or past its own timeout) is stuck (default 1800)",
    'heartbeat-sec': 'an idle/busy worker without a heartbeat this long is stuck (default 120)',
  },
  async run(ctx) {
    positionalArgs(ctx, []);
    const d = DEFAULT_STUCK_THRESHOLDS;
    const t: StuckThresholds = {
      workstreamMs: seconds(ctx, 'workstream-sec', d.workstreamMs),
      taskMs: seconds(ctx, 'task-sec', d.taskMs),
      heartbeatMs: seconds(ctx, 'heartbeat-sec', d.heartbeatMs),
    };
    const stuck = await withDatabase(ctx.global, (handle) => findStuck(handle.db, t), { existing: true });
    if (ctx.global.json) {
      const rows = stuck.map((s) => ({ entity_type: s.entityType, id: s.id, state: s.state, run_id: s.runId, since: s.since.toISOString(), age_sec: s.ageMs / 1000, threshold_sec: s.expectedMs / 1000 }));
      ctx.io.out(JSON.stringify({ thresholds_sec: { workstream: t.workstreamMs / 1000, task: t.taskMs / 1000, heartbeat: t.heartbeatMs / 1000 }, stuck: rows }));
    } else if (stuck.length === 0) ctx.io.out('nothing stuck');
    else {
      ctx.io.out(`${stuck.length} stuck:`);
      for (const s of stuck) ctx.io.out(`  ${s.entityType.padEnd(10)} ${s.id.padEnd(24)} ${s.state.padEnd(10)} for ${Math.round(s.ageMs / 1000)}s (threshold ${s.expectedMs / 1000}s)`);
    }
    return stuck.length > 0 ? EXIT.refused : EXIT.ok;
  },
};
