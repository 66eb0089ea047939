// The engine (the `gantry/engine` entry of the package; docs/design/engine.md §1–3): runs a validated plan end to end in one
// process, every step a persisted transition of the eight machines — git worktrees per workstream, patch ledger,
// gates, breakers, merge and archive — resumes a stopped run, and reports its status. With the plan loader, so a
// service can go from a plan file to a finished run with this entry and the root one. A chosen list: the steps
// (dispatch, validation, gates, settlement …) stay inside.
export { EngineError, GateDeadlineRefusedError, RunInterruptedError, RunNotFoundError, RunSetupError, RunSourceNotFoundError, SnapshotVersionsRefusedError } from './errors.js';
export type { EngineOptions } from './run-context.js';
export type { Clock } from './clock.js';
export { runIds, type RunIds } from './entity-ids.js';
export { driveRun, runPlan } from './run-plan.js';
export { startRun } from './start-run.js';
export { resumeRun } from './resume-run.js';
export { runStatus, type EntityState, type RunStatus } from './run-status.js';
export { readRunSource, type RunSource } from './run-source.js';
export { runWorkerProcess, type WorkerProcessOptions, type WorkerProcessSummary } from './worker-process.js';
export { engineClonePath, judgeHandBack, withEngineClone, type HandedBack } from './remote-repository.js';
export { remoteClonePlace, type RemoteWorkOptions } from './remote-attempt.js';
export {
  DependencyCycleError,
  formatPlanIssue,
  InvalidPhasePolicyError,
  loadPlan,
  parsePlan,
  PlanError,
  PlanReadError,
  PlanSyntaxError,
  PlanValidationError,
  type LoadPlanOptions,
  type ParsePlanOptions,
  type Plan,
  type PlanIssue,
} from '../plan/index.js';
export { checkSnapshotVersions } from './check-snapshot-versions.js';
