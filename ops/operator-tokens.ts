import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { OPERATOR_NAME_PATTERN } from '../machines/index.js';
import { insertOperator, markOperatorRevoked, operatorRow, operatorRows, type Database } from '../persistence/index.js';
import { OperatorAlreadyRevokedError, OperatorAuthError, OperatorExistsError, UnknownOperatorError } from './errors.js';

const NAME = OPERATOR_NAME_PATTERN;

/** scrypt (N=16384, r=8, p=1) of a token with a per-operator salt, as 64 hex digits. */
function hashToken(token: string, saltHex: string): string {
  return scryptSync(token, Buffer.from(saltHex, 'hex'), 32).toString('hex');
}

/** Registers operator `name` and returns a new random token; only its salted scrypt hash is stored. */
export async function addOperator(db: Kysely<Database>, name: string): Promise<string> {
  if (!NAME.test(name)) throw new OperatorAuthError(`invalid operator name '${name}'`);
  const token = `gto_${randomBytes(24).toString('base64url')}`;
  const salt = randomBytes(16).toString('hex');
  if (!(await insertOperator(db, name, salt, hashToken(token, salt)))) throw new OperatorExistsError(name);
  return token;
}

/** An operator identity and the secret proving it, as given on the command line or in the environment. */
export interface OperatorCredentials {
  readonly operator: string | null;
  readonly token: string | null;
}

/**
 * Checks that an identity and a token were given at all, before anything is opened: `OperatorAuthError` otherwise
 * (a refusal creates no database, SSOT §5.2).
 */
export function requireCredentials(creds: OperatorCredentials): { readonly operator: string; readonly token: string } {
  if (!creds.operator) throw new OperatorAuthError('no operator identity (--operator NAME or GANTRY_OPERATOR)');
  if (!creds.token) throw new OperatorAuthError(`no token for operator '${creds.operator}' (--token T or GANTRY_OPERATOR_TOKEN)`);
  return { operator: creds.operator, token: creds.token };
}

/** The operator name when `creds` name a registered, unrevoked operator whose token matches; `OperatorAuthError` otherwise. */
export async function authenticateOperator(db: Kysely<Database>, offered: OperatorCredentials): Promise<string> {
  const creds = requireCredentials(offered);
  const row = await operatorRow(db, creds.operator);
  if (!row) throw new OperatorAuthError(`unknown operator '${creds.operator}' (register one with gantry operator add NAME)`);
  if (row.revokedAt) throw new OperatorAuthError(`operator '${creds.operator}' is revoked`);
  const given = Buffer.from(hashToken(creds.token, row.tokenSalt), 'hex');
  if (!timingSafeEqual(given, Buffer.from(row.tokenHash, 'hex'))) throw new OperatorAuthError(`wrong token for operator '${creds.operator}'`);
  return creds.operator;
}

/**
 * Revokes operator `name` (SSOT §5.2: authority is configured for the installation, and can be withdrawn): sets
 * `operators.revoked_at`, after which {@link authenticateOperator} refuses the operator's token. Returns the time of
 * revocation. `UnknownOperatorError` when no such operator exists, `OperatorAlreadyRevokedError` when it was revoked
 * before; nothing is written in either case.
 */
export async function revokeOperator(db: Kysely<Database>, name: string): Promise<Date> {
  const revokedAt = await markOperatorRevoked(db, name);
  if (revokedAt) return revokedAt;
  const row = await operatorRow(db, name);
  if (!row) throw new UnknownOperatorError(name);
  throw new OperatorAlreadyRevokedError(name, row.revokedAt!);
}

/** One registered operator as `gantry operator list` shows it (never the token nor its hash). */
export interface OperatorInfo {
  readonly name: string;
  readonly createdAt: Date;
  /** When the operator was revoked; null while it may still override. */
  readonly revokedAt: Date | null;
}

/** Every registered operator, by name, with its creation and revocation times (SSOT §5.2). */
export async function listOperators(db: Kysely<Database>): Promise<OperatorInfo[]> {
  return operatorRows(db);
}
