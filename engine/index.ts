// The engine (engine.md §1–3, milestone 1): runs a validated plan end to end in one process, every step a persisted
// transition of the eight machines; git worktrees per workstream, patch ledger, gates, breakers, merge and archive.
export * from './errors.js';
export * from './entity-ids.js';
export * from './sleep.js';
export * from './run-source.js';
export * from './insert-patch.js';
export * from './run-context.js';
export * from './entity-facts.js';
export * from './worktree.js';
export * from './breaker-gate.js';
export * from './pick-worker.js';
export * from './run-gates.js';
export * from './validate-task.js';
export * from './resume-validation.js';
export * from './execute-task.js';
export * from './archive-workstream.js';
export * from './settle-workstream.js';
export * from './settle-run.js';
export * from './start-run.js';
export * from './run-status.js';
export * from './run-plan.js';
export * from './repair-run.js';
export * from './resume-run.js';
