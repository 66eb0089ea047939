import { verifyAudit } from '../../actors/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry audit verify`: recomputes every hash chain; exit 1 naming the first broken link. */
export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'check every entity\'s audit hash chain (exit 1 and the first broken link if one is broken)',
  usage: 'audit verify [--type TYPE] [--json]',
  options: { type: { type: 'string' } },
  optionHelp: { type: 'only entities of this type' },
  async run(ctx) {
    positionalArgs(ctx, []);
    const type = stringOption(ctx, 'type') ?? undefined;
    return withDatabase(ctx.global, async (handle) => {
      const v = await verifyAudit(handle.db, { entityType: type });
      if (ctx.global.json) ctx.io.out(JSON.stringify(v));
      else if (v.ok) ctx.io.out(`audit intact: ${v.entities} entities, ${v.rows} rows, every hash chain verified`);
      else {
        const b = v.firstBroken!;
        ctx.io.out(`audit BROKEN at ${b.entityType} ${b.entityId} seq ${b.seq} (${b.eventId}): ${b.problem}`);
        ctx.io.out(`checked ${v.entities} entities, ${v.rows} rows before it`);
      }
      return v.ok ? EXIT.ok : EXIT.refused;
    }, { existing: true });
  },
};
