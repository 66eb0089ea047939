import type { Kysely } from 'kysely';
import { InspectionReads, type AuditRecord, type Database, type InspectedEntity, type RunStep } from '../persistence/index.js';
import { databaseError } from './inspect-errors.js';

/** One audit row as the page and the JSON endpoints show it. */
export interface WireTransition {
  readonly id: number;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly seq: number;
  readonly from: string | null;
  readonly to: string;
  readonly trigger: string;
  readonly reason: string | null;
  readonly operator: string | null;
  readonly run_id: string | null;
  readonly workstream_id: string | null;
  readonly time: string;
  readonly prev_hash: string | null;
  readonly hash: string;
}

/** One entity in the tree: its current state and its parent links. */
export type WireEntity = InspectedEntity;

/** The wire form of an audit row. */
export function wireTransition(r: AuditRecord): WireTransition {
  return {
    id: Number(r.id), entity_type: r.entityType, entity_id: r.entityId, seq: r.seq, from: r.fromState, to: r.toState,
    trigger: r.trigger, reason: r.reason, operator: r.operator, run_id: r.runId, workstream_id: r.workstreamId,
    time: r.transitionedAt.toISOString(), prev_hash: r.prevHash, hash: r.hash,
  };
}

/** Runs a query, turning driver failures into the named error the page explains. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw databaseError(err);
  }
}

/** Read-only queries of the inspection page, each bounded by a LIMIT (persistence/inspection-reads.ts), driver failures named. */
export class InspectQueries {
  private readonly reads: InspectionReads;

  constructor(db: Kysely<Database>) {
    this.reads = new InspectionReads(db);
  }

  /** Entity count per type and the newest audit row id (0 when there is none). */
  status(): Promise<{ counts: Record<string, number>; lastId: number }> {
    return guarded(() => this.reads.status());
  }

  /** Up to `limit` entities of each type (in id order) with their state and parent links. */
  entities(limit: number): Promise<WireEntity[]> {
    return guarded(() => this.reads.entities(limit));
  }

  /** One entity's state and newest hash, or null. */
  entity(type: string, id: string): Promise<{ state: string; lastHash: string | null; version: number } | null> {
    return guarded(() => this.reads.entity(type, id));
  }

  /** The run entity `type` `id` belongs to (its `run_id`), or null (no such column, or none). */
  runOf(type: string, id: string): Promise<string | null> {
    return guarded(() => this.reads.runOf(type, id));
  }

  /** One page of an entity's audit rows with seq > `after` (plus the row at `after`, for the chain link). */
  history(type: string, id: string, after: number, limit: number): Promise<{ before: AuditRecord | null; rows: AuditRecord[] }> {
    return guarded(() => this.reads.history(type, id, after, limit));
  }

  /** A run's audit rows with id > `after`, in id order, at most `limit`. */
  runTransitions(runId: string, after: number, limit: number): Promise<AuditRecord[]> {
    return guarded(() => this.reads.runTransitions(runId, after, limit));
  }

  /** How many audit rows a run has. */
  runCount(runId: string): Promise<number> {
    return guarded(() => this.reads.runCount(runId));
  }

  /** The run as it stood after its `step`-th audit row (1-based): that row, each entity's state then, and the counts. */
  runStep(runId: string, step: number): Promise<RunStep> {
    return guarded(() => this.reads.runStep(runId, step));
  }

  /** Audit rows with id > `after`, oldest first, at most `limit` (the live feed). */
  changes(after: number, limit: number): Promise<AuditRecord[]> {
    return guarded(() => this.reads.changes(after, limit));
  }
}
