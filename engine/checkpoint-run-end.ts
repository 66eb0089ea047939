import { AUDIT_KEY_ENV, AuditKeyError, auditKeyPath, loadAuditKey, takeAuditCheckpoint } from '../actors/index.js';
import type { RunContext } from './run-context.js';

/**
 * Takes the signed audit checkpoint of a run that ended (issue 11): every chain head signed with the audit key
 * (`options.auditKey`, else `GANTRY_AUDIT_KEY`, else `<stateDir>/audit-key.pem`, created with mode 0600 when that
 * default is missing). A key that cannot be had is a note (`options.onNote`), not a failure of the run; nothing is
 * done with `auditKey: false`.
 */
export async function checkpointRunEnd(ctx: RunContext): Promise<void> {
  const option = ctx.options.auditKey;
  if (option === false) return;
  const path = auditKeyPath(ctx.stateDir, option);
  const isDefault = option === undefined && !process.env[AUDIT_KEY_ENV]?.trim();
  let key;
  try {
    key = await loadAuditKey(path, { create: isDefault });
  } catch (err) {
    if (!(err instanceof AuditKeyError)) throw err;
    ctx.options.onNote?.(`no audit checkpoint for run ${ctx.ids.run}: ${err.message}`);
    return;
  }
  if (!key.privateKey) {
    ctx.options.onNote?.(`no audit checkpoint for run ${ctx.ids.run}: audit key ${key.path} holds only a public key`);
    return;
  }
  const c = await takeAuditCheckpoint(ctx.db, key, { runId: ctx.ids.run });
  ctx.options.onNote?.(`audit checkpoint ${c.id}: ${c.heads} chain heads signed (key ${c.keyFingerprint.slice(0, 16)}…)`);
}
