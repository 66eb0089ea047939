import { access } from 'node:fs/promises';
import { AUDIT_KEY_ENV, AuditKeyError, auditKeyPath, loadAuditKey, type AuditKey } from '../actors/index.js';
import type { CommandContext } from './command.js';
import { stringOption } from './command.js';
import { UsageError } from './errors.js';

/** The `--key FILE` option of the audit commands, with its help line. */
export const AUDIT_KEY_OPTION = {
  options: { key: { type: 'string' as const } },
  help: { key: `audit key file (default ${AUDIT_KEY_ENV}, else <state-dir>/audit-key.pem)` },
};

/**
 * The audit key of a command: `--key FILE`, else `GANTRY_AUDIT_KEY`, else `<state-dir>/audit-key.pem`. A key named
 * explicitly (option or environment) must load, or it is a usage error naming the file. The default file is
 * created (mode 0600) when `createDefault` and missing; otherwise a missing default gives null (no key).
 */
export async function auditKeyOption(ctx: CommandContext, opts: { createDefault: boolean }): Promise<AuditKey | null> {
  const explicit = stringOption(ctx, 'key');
  const isDefault = explicit === null && !process.env[AUDIT_KEY_ENV]?.trim();
  const path = auditKeyPath(ctx.global.stateDir, explicit);
  if (isDefault && !opts.createDefault && !(await exists(path))) return null;
  try {
    return await loadAuditKey(path, { create: isDefault && opts.createDefault });
  } catch (err) {
    if (err instanceof AuditKeyError) throw new UsageError(err.message, ctx.command, { cause: err });
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
