import type { CommittedTransition } from '../actors/index.js';
import { accepts, type EntityType, type SendEventOf } from '../machines/index.js';
import { OptimisticLockError } from '../persistence/index.js';
import type { RunContext } from './run-context.js';

/** How a candidate send is recorded and pinned. */
export interface SendAcceptedOptions {
  /** The audit reason of the transition. */
  readonly reason?: string;
  /**
   * Only when the entity is still at this version (the caller decided on what it saw then); another transition in
   * between means someone else decided it, and nothing is sent. Without it the machine is asked again on fresh state.
   */
  readonly expectedVersion?: number;
  /** The time the machine is asked at (its time guards); default the run's clock. The event is stamped by the actors. */
  readonly now?: number;
}

/**
 * Sends the entity the first of `candidates` (events built from facts, in the engine's order of preference) that its
 * machine accepts now (`accepts`: an edge whose guards hold, at the clock's `now`), pinned to the version it asked
 * about, so the machine, not the engine, decides which edge is taken; a transition committed in between (another
 * lane, process or operator) makes it ask again (or give up, with `expectedVersion`). Resolves with the committed
 * transition (its `event` is the candidate taken), or null when the machine takes none of them (nothing to do: the entity moved on, or the facts do not hold yet).
 */
export async function sendAccepted<T extends EntityType>(
  ctx: Pick<RunContext, 'actors' | 'clock'>,
  entityType: T,
  id: string,
  candidates: readonly SendEventOf<T>[],
  opts: SendAcceptedOptions = {},
): Promise<CommittedTransition<T> | null> {
  for (;;) {
    const view = await ctx.actors.load(entityType, id);
    if (opts.expectedVersion !== undefined && view.version !== opts.expectedVersion) return null;
    const now = opts.now ?? ctx.clock.now();
    const chosen = candidates.find((e) => {
      const fields = e as Record<string, unknown>;
      return accepts(entityType, view.snapshot, { ...fields, type: String(fields['type']), now });
    });
    if (chosen === undefined) return null;
    try {
      return await ctx.actors.send(entityType, id, chosen, { ...(opts.reason === undefined ? {} : { reason: opts.reason }), expectedVersion: view.version });
    } catch (err) {
      if (!(err instanceof OptimisticLockError)) throw err;
      if (opts.expectedVersion !== undefined) return null;
    }
  }
}
