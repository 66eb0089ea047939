import { verifyAudit, type AuditVerification } from '../../actors/index.js';
import { AUDIT_KEY_OPTION, auditKeyOption } from '../audit-key-option.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** The human report of a verification, one line per part. */
function report(v: AuditVerification): string[] {
  const lines: string[] = [];
  const b = v.firstBroken;
  if (b) {
    lines.push(`audit BROKEN at ${b.entityType} ${b.entityId} seq ${b.seq} (${b.eventId}): ${b.problem}`);
    lines.push(`checked ${v.entities} entities, ${v.rows} rows before it (snapshot through audit row ${v.verifiedThrough})`);
  } else lines.push(`${v.ok ? 'audit intact' : 'hash chains intact'}: ${v.entities} entities, ${v.rows} rows, every hash chain verified (snapshot through audit row ${v.verifiedThrough})`);
  const w = v.withoutChain;
  if (w.total > 0) {
    lines.push(`audit MISSING for ${w.total} entity row(s) (state_transitions emptied or truncated):`);
    for (const e of w.first) lines.push(`  ${e.entityType} ${e.entityId}: version ${e.version} '${e.state}', ${e.chainSeq === null ? 'no audit row left' : `chain ends at seq ${e.chainSeq}`}`);
    if (w.total > w.first.length) lines.push(`  … and ${w.total - w.first.length} more`);
  } else lines.push('every entity row has its audit chain');
  const c = v.content;
  for (const m of c.mismatches) lines.push(`content TAMPERED: ${m.table} ${m.id} has sha256 ${m.actual}, its audit recorded ${m.recorded}`);
  const unrecorded = c.patchesUnrecorded.length + c.runSourcesUnrecorded.length;
  lines.push(`content: ${c.patchesChecked} patch diff(s) and ${c.runSourcesChecked} recorded plan(s) checked against their audited sha256, ${c.mismatches.length} mismatch(es)${unrecorded > 0 ? `; ${unrecorded} row(s) with no recorded hash (written before hashes were recorded)` : ''}`);
  const k = v.checkpoints;
  for (const f of k.failed) lines.push(`checkpoint FAILED ${f.checkpointId} (${f.createdAt.toISOString()}): ${f.problem}`);
  const key = v.keyFingerprint ? `key ${v.keyFingerprint}` : 'no audit key found, signatures not checked: give --key FILE or GANTRY_AUDIT_KEY';
  lines.push(`checkpoints: ${k.total} stored, ${k.verified} verified, ${k.failed.length} failed${k.signatureUnchecked > 0 ? `, ${k.signatureUnchecked} with unchecked signatures` : ''} (${key})`);
  if (!v.ok) lines.push(`audit NOT intact (snapshot through audit row ${v.verifiedThrough})`);
  return lines;
}

/** `gantry audit verify`: everything the audit answers for, in one snapshot; exit 1 naming what does not hold. */
export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'check every audit hash chain, that every entity row has its chain, the patch/plan hashes and the signed checkpoints (exit 1 naming what fails)',
  usage: 'audit verify [--type TYPE] [--key FILE] [--json]',
  description:
    'Reads one consistent snapshot (REPEATABLE READ), so a run writing meanwhile is verified up to the snapshot\'s last ' +
    'audit row, never reported broken. The key (private or public PEM) checks the checkpoints\' signatures; without ' +
    'one, each checkpoint\'s heads are still compared with the chains.',
  options: { type: { type: 'string' }, ...AUDIT_KEY_OPTION.options },
  optionHelp: { type: 'only entities of this type', ...AUDIT_KEY_OPTION.help },
  async run(ctx) {
    positionalArgs(ctx, []);
    const type = stringOption(ctx, 'type') ?? undefined;
    const key = await auditKeyOption(ctx, { createDefault: false });
    return withDatabase(ctx.global, async (handle) => {
      const v = await verifyAudit(handle.db, { entityType: type, key });
      if (ctx.global.json) ctx.io.out(JSON.stringify(v));
      else for (const line of report(v)) ctx.io.out(line);
      return v.ok ? EXIT.ok : EXIT.refused;
    }, { existing: true });
  },
};
