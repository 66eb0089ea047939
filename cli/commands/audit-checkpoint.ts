import { takeAuditCheckpoint } from '../../actors/index.js';
import { AUDIT_KEY_OPTION, auditKeyOption } from '../audit-key-option.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { withDatabase } from '../open-database.js';

/** `gantry audit checkpoint [--key FILE]`: signs a digest of every audit chain head and stores it (issue 11). */
export const auditCheckpointCommand: Command = {
  name: 'audit checkpoint',
  summary: 'sign a digest of every audit chain head with the audit key (outside the database) and store it',
  usage: 'audit checkpoint [--key FILE] [--json]',
  description:
    'The key is an Ed25519 private key in a PEM file: --key FILE, else GANTRY_AUDIT_KEY, else <state-dir>/audit-key.pem, ' +
    'which is created (mode 0600) on first use. On PostgreSQL keep it where the database\'s writers cannot reach it ' +
    '(another host, a secrets mount) and give verifiers only its public half. The engine takes one when each run ends.',
  options: AUDIT_KEY_OPTION.options,
  optionHelp: AUDIT_KEY_OPTION.help,
  async run(ctx) {
    positionalArgs(ctx, []);
    const key = (await auditKeyOption(ctx, { createDefault: true }))!;
    if (!key.privateKey) throw new UsageError(`audit key ${key.path} holds only a public key: a checkpoint needs the private key`, ctx.command);
    const c = await withDatabase(ctx.global, (handle) => takeAuditCheckpoint(handle.db, key));
    if (ctx.global.json) ctx.io.out(JSON.stringify({ checkpoint: c.id, heads: c.heads, digest: c.digest, key_fingerprint: c.keyFingerprint, through_audit_id: c.highWater }));
    else ctx.io.out(`audit checkpoint ${c.id}: ${c.heads} chain heads through audit row ${c.highWater}, digest ${c.digest}, signed with key ${c.keyFingerprint}`);
    return EXIT.ok;
  },
};
