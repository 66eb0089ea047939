import { listenForTransitions, type TransitionListenTarget, type TransitionListenTiming } from '../persistence/transition-notifications.js';
import { LiveFeedError } from './inspect-errors.js';
import { LiveFeed, type LiveSourceKind, type LiveTransition } from './live-feed.js';

/**
 * An in-process subscription to committed transitions: called with a listener, returns the unsubscribe function. The
 * engine process passes one adapted from `PersistedActors.subscribe` (see {@link liveFromCommitted}); the visualizer
 * itself never imports actors/ or engine/ (README, dependencies point one way).
 */
export type LiveSubscribe = (listener: (t: LiveTransition) => void) => () => void;

/** The shape of a committed transition the adapter needs (structurally `CommittedTransition` of actors/). */
export interface CommittedLike {
  readonly entityType: string;
  readonly id: string;
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
  readonly canonical?: { readonly context?: { readonly run_id?: string | null } };
}

/**
 * Adapts a `subscribe(listener)` of committed transitions (e.g. `actors.subscribe.bind(actors)`) into the `live`
 * option of `startInspectServer`, carrying each transition's run id from its canonical context.
 */
export function liveFromCommitted(subscribe: (listener: (t: CommittedLike) => void) => () => void): LiveSubscribe {
  return (listener) =>
    subscribe((t) => listener({ entityType: t.entityType, id: t.id, from: t.from, to: t.to, event: t.event, runId: t.canonical?.context?.run_id ?? null }));
}

/** Which source feeds the live WebSocket (docs/design/engine.md §7.1). */
export interface LiveSourceOptions {
  /** (a) The engine's in-process subscription: used whenever given. */
  readonly live?: LiveSubscribe | null;
  /** (b) Otherwise, on PostgreSQL: `LISTEN gantry_transitions` on a dedicated connection to this URL and schema. */
  readonly listen?: (TransitionListenTarget & { readonly timing?: TransitionListenTiming }) | null;
  /** Where connection losses and bad notifications are reported (the CLI prints them); they also reach the pages. */
  readonly log?: ((line: string) => void) | null;
}

/** A started live source and its feed. */
export interface LiveSource {
  readonly feed: LiveFeed;
  readonly kind: LiveSourceKind;
  stop(): Promise<void>;
}

/**
 * Starts the feed with its source: (a) `live` when given, (b) else PostgreSQL LISTEN when `listen` is given — waiting
 * for the first connection attempt, reconnecting with backoff after, and telling pages to resync after each
 * reconnection — (c) else none: pages keep polling (PGlite standalone, where nothing else can write meanwhile).
 */
export async function startLiveSource(opts: LiveSourceOptions): Promise<LiveSource> {
  const log = opts.log ?? null;
  if (opts.live) {
    const feed = new LiveFeed('engine');
    let off: () => void;
    try {
      off = opts.live((t) => feed.transition(t));
    } catch (err) {
      await feed.close();
      throw new LiveFeedError('the in-process live subscription failed', 'engine', { cause: err });
    }
    const stop = async (): Promise<void> => {
      off();
      await feed.close();
    };
    return { feed, kind: 'engine', stop };
  }
  if (opts.listen) {
    const feed = new LiveFeed('postgres');
    feed.sourceState(false, null);
    const listener = listenForTransitions(
      opts.listen,
      {
        onNotice: (n) => feed.notice(n),
        onListening: ({ resumed, schema }) => {
          feed.sourceState(true, null);
          if (resumed) {
            log?.(`gantry inspect: LISTEN gantry_transitions resumed (schema ${schema})`);
            feed.resync('LISTEN reconnected: notices may have been missed');
          }
        },
        onLost: (err, retryInMs) => {
          log?.(`gantry inspect: ${err.message}; reconnecting in ${retryInMs} ms (pages poll meanwhile)`);
          feed.sourceState(false, err);
        },
        onError: (err) => {
          log?.(`gantry inspect: ${err.message}`);
          feed.sourceState(feed.isListening(), err);
        },
      },
      opts.listen.timing,
    );
    await listener.firstAttempt;
    const stop = async (): Promise<void> => {
      await listener.close();
      await feed.close();
    };
    return { feed, kind: 'postgres', stop };
  }
  const feed = new LiveFeed('polling');
  return { feed, kind: 'polling', stop: () => feed.close() };
}
