import { replayAudit } from '../../actors/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry audit replay`: replays each entity's audit through its machine and compares with what is stored. */
export const auditReplayCommand: Command = {
  name: 'audit replay',
  summary: 'replay every entity\'s audit through its machine and compare with its stored state and snapshot',
  usage: 'audit replay [--type TYPE] [--json]',
  options: { type: { type: 'string' } },
  optionHelp: { type: 'only entities of this type' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const type = stringOption(ctx, 'type') ?? undefined;
    return withDatabase(ctx.global, async (handle) => {
      const r = await replayAudit(handle.db, { entityType: type });
      if (ctx.global.json) ctx.io.out(JSON.stringify(r));
      else {
        ctx.io.out(`replayed ${r.entities} entities, ${r.transitions} transitions: ${r.ok ? 'every stored state and snapshot matches' : `${r.mismatches.length} mismatch(es)`}`);
        for (const m of r.mismatches) ctx.io.out(`  ${m.entityType} ${m.entityId}${m.seq !== null ? ` seq ${m.seq}` : ''}: ${m.problem}`);
      }
      return r.ok ? EXIT.ok : EXIT.refused;
    }, { existing: true });
  },
};
