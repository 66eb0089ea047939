import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AuditKeyError } from './errors.js';

/** The key that signs and checks audit checkpoints (issue 11), kept in a file outside the database. */
export interface AuditKey {
  /** Absolute path of the key file. */
  readonly path: string;
  /** The Ed25519 private key; null when the file holds only the public key (it can then verify, not sign). */
  readonly privateKey: KeyObject | null;
  readonly publicKey: KeyObject;
  /** SHA-256 (hex) of the public key's SPKI DER: what a checkpoint row records as `key_fingerprint`. */
  readonly fingerprint: string;
}

/** The environment variable naming the key file. */
export const AUDIT_KEY_ENV = 'GANTRY_AUDIT_KEY';

/**
 * Where the audit key lives: `explicit` (`--key FILE`), else `GANTRY_AUDIT_KEY`, else `<stateDir>/audit-key.pem`
 * (default). On PostgreSQL deployments point it at a file the database's writers cannot reach (another host, a
 * secrets mount), and give verifiers only the public key.
 */
export function auditKeyPath(stateDir: string, explicit?: string | null): string {
  const env = process.env[AUDIT_KEY_ENV]?.trim();
  return resolve(explicit ?? (env || join(stateDir, 'audit-key.pem')));
}

/** SHA-256 (hex) of a public key's SPKI DER encoding. */
export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * Creates a new Ed25519 private key (PKCS#8 PEM) at `path`, mode 0600, its folder if needed; never overwrites
 * (`AuditKeyError` when the file exists). Returns the key.
 */
export async function generateAuditKey(path: string): Promise<AuditKey> {
  const abs = resolve(path);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  try {
    await mkdir(dirname(abs), { recursive: true });
    const fh = await open(abs, 'wx', 0o600);
    try {
      await fh.writeFile(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    } finally {
      await fh.close();
    }
    await chmod(abs, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AuditKeyError(abs, code === 'EEXIST' ? 'already exists (not overwritten)' : `cannot be created (${(err as Error).message})`, { cause: err });
  }
  return { path: abs, privateKey, publicKey, fingerprint: keyFingerprint(publicKey) };
}

/**
 * Reads the key at `path`: an Ed25519 private key (PKCS#8 PEM, which must not be readable by group or others) or
 * only its public key (SPKI PEM, for verifying). With `create`, a missing file is created first
 * ({@link generateAuditKey}). `AuditKeyError` names the path and the problem otherwise.
 */
export async function loadAuditKey(path: string, opts: { create?: boolean } = {}): Promise<AuditKey> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && opts.create) return generateAuditKey(abs);
    throw new AuditKeyError(abs, `cannot be read (${(err as Error).message})`, { cause: err });
  }
  let privateKey: KeyObject | null = null;
  let publicKey: KeyObject;
  try {
    if (text.includes('PRIVATE KEY')) {
      privateKey = createPrivateKey(text);
      publicKey = createPublicKey(privateKey);
    } else publicKey = createPublicKey(text);
  } catch (err) {
    throw new AuditKeyError(abs, `is not a PEM key (${(err as Error).message})`, { cause: err });
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(abs, `is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  if (privateKey && process.platform !== 'win32') {
    const mode = (await stat(abs)).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new AuditKeyError(abs, `mode ${mode.toString(8).padStart(4, '0')} lets others read the private key (chmod 600 it)`);
  }
  return { path: abs, privateKey, publicKey, fingerprint: keyFingerprint(publicKey) };
}
