// The machines (the `gantry/machines` entry of the package): the eight statecharts with their states, event and
// input schemas and types, the catalog built from them, the pure transition function and the payload checks.
// A chosen list: the helpers the definitions are written with (edge tags, dependency facts, schema parts) stay inside.
export { InvalidPayloadError, InvalidTransitionError, UnknownEntityTypeError, type RejectionKind } from './errors.js';
export type { EdgeMeta, EdgeTag } from './edge-meta.js';
export {
  clipReason,
  COMMIT_SHA_PATTERN,
  errorTextSchema,
  ID_FORMAT,
  ID_MAX_LENGTH,
  ID_PATTERN,
  idSchema,
  OPERATOR_NAME_MAX_LENGTH,
  OPERATOR_NAME_PATTERN,
  REASON_MAX_LENGTH,
  type ChildFact,
} from './schema-parts.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { RUN_STATES, runEventSchemas, runInputSchema, runMachine, type RunContext, type RunEvent, type RunInput, type RunState } from './run-machine.js';
export {
  DEFAULT_MAX_CONFLICT_ROUNDS,
  MAX_CONFLICT_PATHS,
  ON_CONFLICT,
  rerunOpen,
  WORKSTREAM_STATES,
  workstreamEventSchemas,
  workstreamInputSchema,
  workstreamMachine,
  type ConflictRound,
  type OnConflict,
  type WorkstreamContext,
  type WorkstreamEvent,
  type WorkstreamInput,
  type WorkstreamState,
} from './workstream-machine.js';
export { TASK_STATES, taskEventSchemas, taskInputSchema, taskMachine, type TaskContext, type TaskEvent, type TaskInput, type TaskState } from './task-machine.js';
export {
  canAssign,
  HEARTBEAT_TIMEOUT_MS,
  heartbeatTimeoutOf,
  RECOVERY_TIMEOUT_MS,
  recoveryTimeoutOf,
  WORKER_STATES,
  workerEventSchemas,
  workerInputSchema,
  workerMachine,
  type WorkerContext,
  type WorkerEvent,
  type WorkerInput,
  type WorkerState,
} from './worker-machine.js';
export {
  UET_MISSED_HEARTBEATS,
  UET_WORKER_STATES,
  uetHeartbeatLost,
  uetWorkerEventSchemas,
  uetWorkerInputSchema,
  uetWorkerMachine,
  type UetWorkerContext,
  type UetWorkerEvent,
  type UetWorkerInput,
  type UetWorkerState,
} from './uet-worker-machine.js';
export {
  MAX_APPLY_ATTEMPTS,
  PATCH_LEDGER_STATES,
  patchLedgerEventSchemas,
  patchLedgerInputSchema,
  patchLedgerMachine,
  type PatchLedgerContext,
  type PatchLedgerEvent,
  type PatchLedgerInput,
  type PatchLedgerState,
  type ValidationFlags,
} from './patch-ledger-machine.js';
export {
  GATE_PRIORITY,
  GATE_TIMEOUT_EXIT_CODE,
  TEST_GATE_STATES,
  testGateEventSchemas,
  testGateInputSchema,
  testGateMachine,
  type GateType,
  type TestGateContext,
  type TestGateEvent,
  type TestGateInput,
  type TestGateState,
} from './test-gate-machine.js';
export {
  breakerConfigSchema,
  CIRCUIT_BREAKER_STATES,
  circuitBreakerEventSchemas,
  circuitBreakerInputSchema,
  circuitBreakerMachine,
  cooldownRemainingMs,
  type BreakerConfig,
  type CircuitBreakerContext,
  type CircuitBreakerEvent,
  type CircuitBreakerInput,
  type CircuitBreakerState,
} from './circuit-breaker-machine.js';
export { edgesOf, ENTITY_TYPES, machineCatalog, SELF_EDGE_TRIGGERS, machineDefinitions, type EntityType, type MachineEntry, type TransitionInfo } from './machine-catalog.js';
export { accepts, applyEvent, entryOf, initialSnapshot, persistSnapshot, restoreSnapshot, type Applied } from './apply-event.js';
export { entityTypeOf, parseEvent, parseEventOf, parseInput, parseInputOf } from './validate-payload.js';
export { FAILURE_TAG, stateKinds, type StateKinds } from './state-kinds.js';
export type { ContextOf, EntityTypes, EventOf, EventTypeOf, InputOf, MachineOf, SendEventOf, StateOf } from './entity-types.js';
export { contextRules, TERMINAL, type ContextRules, type FixedField, type PresenceRule } from './context-rules.js';
export {
  dbConstraintFacts,
  deriveDbConstraintFacts,
  type DbConstraintFacts,
  type EntityConstraintFacts,
  type PayloadLimits,
  type PresenceFact,
} from './db-constraints.js';
export { entityStates, isEntityType, isEventTypeOf, isFailureState, isStateOf, isTerminal } from './entity-states.js';
export {
  InvalidMigratedSnapshotError,
  MACHINE_VERSIONS,
  SNAPSHOT_MIGRATIONS,
  snapshotMigration,
  SnapshotMigrationRegistryError,
  SnapshotMigrations,
  snapshotMigrations,
  snapshotProblems,
  SnapshotVersionError,
  type MachineVersions,
  type MigratedSnapshot,
  type PersistedSnapshot,
  type SnapshotMigration,
} from './migrations/index.js';
