import type { Kysely } from 'kysely';
import { RunViewReads, runUsage, type Database, type RunUsage, type RunViewEntityRow, type StateChangeRow, type WireRunSummary } from '../persistence/index.js';
import { databaseError } from './inspect-errors.js';

export type { RunViewEntityRow, StateChangeRow, WireRunSummary };

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw databaseError(err);
  }
}

/** Read-only queries of the run view (persistence/run-view-reads.ts), driver failures named. */
export class RunQueries {
  private readonly reads: RunViewReads;

  constructor(private readonly db: Kysely<Database>) {
    this.reads = new RunViewReads(db);
  }

  /** What the run's tools reported they spent (issue 15), per task, workstream and the run. */
  usage(runId: string): Promise<RunUsage> {
    return guarded(() => runUsage(this.db, runId));
  }

  /** The newest `limit` runs, newest first, with their task counts per state. */
  runs(limit: number): Promise<WireRunSummary[]> {
    return guarded(() => this.reads.runs(limit));
  }

  /** The run's own row, or null. */
  run(runId: string): Promise<{ id: string; state: string; version: number } | null> {
    return guarded(() => this.reads.run(runId));
  }

  /** Every entity linked to the run (at most `limit` per type), in id order. */
  entities(runId: string, limit: number): Promise<RunViewEntityRow[]> {
    return guarded(() => this.reads.entities(runId, limit));
  }

  /** The run's state changes (in-state updates left out) in commit order, at most `limit`. */
  stateChanges(runId: string, limit: number): Promise<StateChangeRow[]> {
    return guarded(() => this.reads.stateChanges(runId, limit));
  }
}
