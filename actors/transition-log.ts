import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of `.state/transitions.jsonl`: the canonical event form of SSOT §7.1 (docs/design/engine.md §4). */
export interface CanonicalEvent {
  readonly event_id: string;
  /** ISO-8601 UTC. */
  readonly timestamp: string;
  readonly event_type: string;
  readonly severity: 'info' | 'warning' | 'error' | 'critical';
  readonly entity_type: string;
  readonly entity_id: string;
  readonly from_state: string | null;
  readonly to_state: string;
  readonly trigger: string;
  readonly metadata: Record<string, unknown>;
  readonly operator: string | null;
  readonly context: { readonly run_id: string | null; readonly workstream_id: string | null; readonly phase_id: string | null };
}

/** Appends canonical events to a JSONL file after their transaction committed; writes of one process never interleave. */
export class TransitionLog {
  private tail: Promise<void> = Promise.resolve();
  private dirReady: Promise<unknown> | null = null;

  /** @param path the JSONL file, e.g. `.state/transitions.jsonl` */
  constructor(readonly path: string) {}

  /** Queues the lines of one committed batch; resolves when they are on disk. Errors propagate, never swallowed. */
  append(events: readonly CanonicalEvent[]): Promise<void> {
    if (events.length === 0) return this.tail;
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    this.dirReady ??= mkdir(dirname(this.path), { recursive: true });
    const write = this.tail.then(async () => {
      await this.dirReady;
      await appendFile(this.path, text, 'utf8');
    });
    // Keep the chain alive for later writes, but hand this write's failure to its caller.
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every queued write is done. */
  flush(): Promise<void> {
    return this.tail;
  }
}
