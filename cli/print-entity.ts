import type { EntityView } from '../actors/index.js';
import type { CommandContext } from './command.js';

/** Prints an entity: JSON with `--json`, else its state line and context. */
export function printEntity(ctx: CommandContext, v: EntityView): void {
  if (ctx.global.json) {
    ctx.io.out(JSON.stringify({ entity_type: v.entityType, id: v.id, state: v.state, version: v.version, machine_version: v.machineVersion, context: v.context }));
    return;
  }
  ctx.io.out(`${v.entityType} ${v.id}: ${v.state} (version ${v.version}, machine ${v.machineVersion})`);
  for (const [k, val] of Object.entries(v.context)) {
    const shown = typeof val === 'number' && (k.endsWith('_at') || k === 'last_heartbeat') ? new Date(val).toISOString() : JSON.stringify(val);
    ctx.io.out(`  ${k}: ${shown}`);
  }
}
