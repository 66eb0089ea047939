import type { Migration } from 'kysely';
import { migration0001Init } from './0001-init.js';
import { migration0002Operators } from './0002-operators.js';
import { migration0003RunSources } from './0003-run-sources.js';
import { migration0004AuditCheckpoints } from './0004-audit-checkpoints.js';
import { migration0005PhaseLinks } from './0005-phase-links.js';
import { migration0006MachineConstraints } from './0006-machine-constraints.js';
import { migration0007AttemptOutput } from './0007-attempt-output.js';
import { migration0008LeanWritePath } from './0008-lean-write-path.js';
import { migration0009AttemptUsage } from './0009-attempt-usage.js';
import { migration0010ManualGates } from './0010-manual-gates.js';
import { migration0011RemoteAttempts } from './0011-remote-attempts.js';

/** Every migration by name, in order; append-only — never edit a released one, add the next. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_init': migration0001Init,
  '0002_operators': migration0002Operators,
  '0003_run_sources': migration0003RunSources,
  '0004_audit_checkpoints': migration0004AuditCheckpoints,
  '0005_phase_links': migration0005PhaseLinks,
  '0006_machine_constraints': migration0006MachineConstraints,
  '0007_attempt_output': migration0007AttemptOutput,
  '0008_lean_write_path': migration0008LeanWritePath,
  '0009_attempt_usage': migration0009AttemptUsage,
  '0010_manual_gates': migration0010ManualGates,
  '0011_remote_attempts': migration0011RemoteAttempts,
};

export { migration0001Init } from './0001-init.js';
export { migration0002Operators } from './0002-operators.js';
export { migration0003RunSources } from './0003-run-sources.js';
export { migration0004AuditCheckpoints } from './0004-audit-checkpoints.js';
export { migration0005PhaseLinks } from './0005-phase-links.js';
export { migration0006MachineConstraints } from './0006-machine-constraints.js';
export { migration0007AttemptOutput } from './0007-attempt-output.js';
export { migration0008LeanWritePath, FAILURE_STATES_0008, leanWritePathDown, leanWritePathUp } from './0008-lean-write-path.js';
export { migration0009AttemptUsage } from './0009-attempt-usage.js';
export { migration0010ManualGates } from './0010-manual-gates.js';
export { migration0011RemoteAttempts } from './0011-remote-attempts.js';
