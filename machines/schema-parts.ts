import { z } from 'zod';

/** Longest entity or plan id (characters, docs/design/plan.md). */
export const ID_MAX_LENGTH = 128;

/** The id format as messages show it: `[A-Za-z0-9][A-Za-z0-9._-]{0,127}` (docs/design/plan.md). */
export const ID_FORMAT = `[A-Za-z0-9][A-Za-z0-9._-]{0,${ID_MAX_LENGTH - 1}}`;

/** Entity and plan ids: {@link ID_FORMAT}, at most {@link ID_MAX_LENGTH} characters. */
export const ID_PATTERN = new RegExp(`^${ID_FORMAT}$`);

/** A git commit sha as the ledger records it: lower-case hex, 7 (abbreviated) to 64 (SHA-256) digits (SSOT §2.2.3). */
export const COMMIT_SHA_PATTERN = /^[0-9a-f]{7,64}$/;

/** Longest operator name (SSOT §5.2: overrides name their operator). */
export const OPERATOR_NAME_MAX_LENGTH = 128;

/** Operator names: like ids, `@` allowed too; at most {@link OPERATOR_NAME_MAX_LENGTH} characters. */
export const OPERATOR_NAME_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,${OPERATOR_NAME_MAX_LENGTH - 1}}$`);

/** zod schema of an entity or plan id. */
export const idSchema = z.string().regex(ID_PATTERN, `ids are ${ID_FORMAT}`);

/** Time as it enters a machine: epoch milliseconds, carried by events and input (machines read no clock). */
export const nowSchema = z.number().int().nonnegative();

/** A map from dependency id to that dependency's current state, supplied by the engine. */
export const stateMapSchema = z.record(z.string(), z.string());

/** Longest reason or error text an event may carry (characters); the one limit every machine and caller uses. */
export const REASON_MAX_LENGTH = 4000;

/** Optional human reason carried by any event (1 to {@link REASON_MAX_LENGTH} characters). */
export const reasonSchema = z.string().min(1).max(REASON_MAX_LENGTH).optional();

/** An error text carried by a failure event (at most {@link REASON_MAX_LENGTH} characters). */
export const errorTextSchema = z.string().max(REASON_MAX_LENGTH);

/** `text` cut to {@link REASON_MAX_LENGTH} characters, so that it fits a reason or error field. */
export function clipReason(text: string): string {
  return text.slice(0, REASON_MAX_LENGTH);
}

/** The facts a run or workstream decision needs about one child: its state and critical flag. */
export const childFactSchema = z.object({ id: z.string(), state: z.string(), critical: z.boolean().default(false) });

/** A child fact as guards read it. */
export type ChildFact = z.infer<typeof childFactSchema>;
