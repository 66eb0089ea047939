// The library (the `gantry` entry of the package): open a database (PostgreSQL or embedded PGlite), migrate it, and
// drive persisted, audited actors of the eight machines; verify and replay the hash-chained audit. A chosen list,
// not the internals: the machines themselves are `gantry/machines`, the plan engine `gantry/engine`.
export { createDatabase, DEFAULT_STATE_DIR, type DatabaseHandle, type DatabaseOptions } from './persistence/create-database.js';
export { migrateToLatest, migrationStatus, type MigrateResult, type MigrationStatusEntry } from './persistence/migrate.js';
export { rollbackMigrations, type RollbackOptions, type RollbackResult } from './persistence/rollback-migrations.js';
export type { Database } from './persistence/database.js';
export type { AuditRecord, Severity } from './persistence/audit-record.js';
export {
  BatchOrderError,
  ConstraintViolationError,
  DatabaseUnavailableError,
  EntityExistsError,
  EntityNotFoundError,
  MigrationError,
  OptimisticLockError,
  PersistenceError,
  TransactionRequiredError,
  UnknownColumnError,
  UnknownEntityTableError,
  UnknownMigrationError,
  type ConstraintKind,
} from './persistence/errors.js';
export { PersistedActors, type CreateArgs, type PersistedActorsOptions, type SendOptions } from './actors/persisted-actors.js';
export type { AnyCommittedTransition, AnyEntityView, CommittedTransition, EntityView } from './actors/entity-view.js';
export { inspectionSessionId, type InspectionObserver, type PersistedActorRef } from './actors/inspection-emitter.js';
export type { SendMeta } from './actors/decide-transition.js';
export type { CreateItem, CreateItemOf, CreateOptions, EntityLinks } from './actors/creation-plan.js';
export type { ClaimRequest } from './actors/claim-tasks.js';
export type { TransitionListener } from './actors/transition-listeners.js';
export { verifyAudit, type AuditVerification } from './actors/verify-audit.js';
export type { BrokenLink } from './actors/verify-chains-in-order.js';
export { replayAudit, type AuditReplay, type ReplayMismatch } from './actors/replay-audit.js';
export { ActorSystemClosedError, AuditKeyError, InvalidCreateItemError, InvalidUntrustedInputError, InvalidEntityIdError, TimeWentBackwardsError } from './actors/errors.js';
export { ENTITY_TYPES, type EntityType } from './machines/machine-catalog.js';
export type { ContextOf, EntityTypes, EventOf, EventTypeOf, InputOf, SendEventOf, StateOf } from './machines/entity-types.js';
export { isFailureState, isTerminal } from './machines/entity-states.js';
export { REASON_MAX_LENGTH } from './machines/schema-parts.js';
export { InvalidPayloadError, InvalidTransitionError, UnknownEntityTypeError, type RejectionKind } from './machines/errors.js';
export { InvalidMigratedSnapshotError, SnapshotMigrationRegistryError, SnapshotVersionError } from './machines/migrations/errors.js';
