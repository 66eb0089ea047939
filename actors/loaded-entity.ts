import { restoreSnapshot } from '../machines/index.js';
import type { EntityRecord } from '../persistence/index.js';
import type { LoadedEntity } from './decide-transition.js';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The actor-layer view of a stored entity row: its snapshot restored through its machine. */
export function loadedEntity(record: EntityRecord): LoadedEntity {
  return {
    entityType: record.entityType,
    id: record.id,
    version: record.version,
    state: record.state,
    snapshot: restoreSnapshot(record.entityType, record.snapshot),
    lastHash: record.lastHash,
    machineVersion: record.machineVersion,
    updatedAt: record.updatedAt.getTime(),
    // SSOT §7.1 context: a run's own events carry its id as run_id, a workstream's its id as workstream_id.
    runId: record.entityType === 'run' ? record.id : str(record.columns.run_id),
    workstreamId: record.entityType === 'workstream' ? record.id : str(record.columns.workstream_id),
    phaseId: str(record.columns.phase_id),
  };
}
