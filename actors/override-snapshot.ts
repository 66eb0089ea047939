import type { AnyMachineSnapshot } from 'xstate';
import { restoreSnapshot } from '../machines/index.js';
import type { AuditRecord } from '../persistence/index.js';

/**
 * The snapshot a manual override row forced (SSOT §5.2), for audit replay: an override bypasses the machine's
 * guards, so its row carries the persisted snapshot it wrote (`metadata.snapshot`, with `metadata.override` true)
 * and replay takes it as is. Null for an ordinary row; throws when an override row lacks its snapshot.
 */
export function overrideSnapshot(row: AuditRecord): AnyMachineSnapshot | null {
  if (row.metadata['override'] !== true || row.seq === 1) return null;
  const forced = row.metadata['snapshot'];
  if (forced === null || typeof forced !== 'object') throw new Error(`override row ${row.seq} does not record the snapshot it forced`);
  return restoreSnapshot(row.entityType, forced);
}
