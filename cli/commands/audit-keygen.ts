import { AuditKeyError, auditKeyPath, generateAuditKey } from '../../actors/index.js';
import { AUDIT_KEY_OPTION } from '../audit-key-option.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, RefusedError } from '../errors.js';

/** `gantry audit keygen [--key FILE]`: creates the Ed25519 audit key (mode 0600) and prints its public half. */
export const auditKeygenCommand: Command = {
  name: 'audit keygen',
  summary: 'create the Ed25519 key that signs audit checkpoints (mode 0600; never overwrites) and print its public key',
  usage: 'audit keygen [--key FILE] [--json]',
  description:
    'Writes the private key to --key FILE, else GANTRY_AUDIT_KEY, else <state-dir>/audit-key.pem. Save the printed ' +
    'public key where verifiers can use it (`gantry audit verify --key public.pem` checks signatures without being able to sign).',
  options: AUDIT_KEY_OPTION.options,
  optionHelp: AUDIT_KEY_OPTION.help,
  async run(ctx) {
    positionalArgs(ctx, []);
    let key;
    try {
      key = await generateAuditKey(auditKeyPath(ctx.global.stateDir, stringOption(ctx, 'key')));
    } catch (err) {
      if (err instanceof AuditKeyError) throw new RefusedError(err.message);
      throw err;
    }
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    if (ctx.global.json) ctx.io.out(JSON.stringify({ key: key.path, fingerprint: key.fingerprint, public_key: pem }));
    else ctx.io.out(`audit key ${key.path} created (mode 0600), fingerprint ${key.fingerprint}; its public key:\n${pem.trimEnd()}`);
    return EXIT.ok;
  },
};
