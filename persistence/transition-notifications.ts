import pg from 'pg';
import { PersistenceError } from './errors.js';
import { redactUrl } from './create-database.js';

// docs/design/engine.md §7.1: live views learn of committed transitions from any process through the NOTIFY that migration 0003's
// trigger sends on channel `gantry_transitions`, one per audit INSERT statement, delivered on commit.

/** The NOTIFY channel of migration 0003. */
export const TRANSITIONS_CHANNEL = 'gantry_transitions';

/** One `gantry_transitions` notification of this listener's schema. */
export interface TransitionNotice {
  readonly schema: string;
  /** The newest audit row id of the statement. */
  readonly maxId: number;
  /** How many audit rows the statement inserted. */
  readonly count: number;
  /** The runs touched (at most 20, as the trigger sends them). */
  readonly runIds: readonly string[];
}

/** Where the dedicated LISTEN connection goes: the PostgreSQL URL and the schema (`search_path`) of the database. */
export interface TransitionListenTarget {
  readonly url: string;
  readonly schema: string | null;
}

/** What {@link listenForTransitions} reports besides notices. */
export interface TransitionListenEvents {
  /** A notice of this schema (notices of other schemas sharing the database are filtered out). */
  onNotice(notice: TransitionNotice): void;
  /** LISTEN is active; `resumed` is true after a reconnection, when notices may have been missed meanwhile. */
  onListening?(info: { readonly resumed: boolean; readonly schema: string }): void;
  /** The connection failed or dropped: a reconnection is scheduled after `retryInMs`. */
  onLost?(error: TransitionListenError, retryInMs: number): void;
  /** A notification whose payload is not the trigger's JSON (it is skipped; the connection stays). */
  onError?(error: TransitionListenError): void;
}

/** Backoff bounds of the reconnection (ms) and the period of the liveness probe. */
export interface TransitionListenTiming {
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly probeMs?: number;
}

/** A running listener. */
export interface TransitionNotifications {
  /** Resolves after the first connection attempt, successful or not (later attempts continue in the background). */
  readonly firstAttempt: Promise<void>;
  /** Whether LISTEN is active now. */
  isListening(): boolean;
  /** Stops reconnecting and closes the connection. */
  close(): Promise<void>;
}

/** The LISTEN connection failed, dropped, or delivered a payload that is not the trigger's JSON. */
export class TransitionListenError extends PersistenceError {
  override readonly name = 'TransitionListenError';
  constructor(message: string, readonly target: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Parses the trigger's payload; throws {@link TransitionListenError} when it is not `{schema, max_id, count, run_ids}`. */
export function parseTransitionNotice(payload: string, target: string): TransitionNotice {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch (err) {
    throw new TransitionListenError(`malformed ${TRANSITIONS_CHANNEL} payload: ${payload.slice(0, 200)}`, target, { cause: err });
  }
  const o = (v ?? {}) as Record<string, unknown>;
  const runIds = o['run_ids'];
  if (typeof o['schema'] !== 'string' || !Number.isFinite(Number(o['max_id'])) || !Array.isArray(runIds) || !runIds.every((r) => typeof r === 'string')) {
    throw new TransitionListenError(`unexpected ${TRANSITIONS_CHANNEL} payload: ${payload.slice(0, 200)}`, target);
  }
  return { schema: o['schema'], maxId: Number(o['max_id']), count: Number(o['count'] ?? 0), runIds };
}

/**
 * Listens to `gantry_transitions` on a dedicated `pg` connection (not one of the pool's), keeping only the notices of
 * the database's schema (`current_schema()` under the target's `search_path`). When the connection fails or drops it
 * reconnects with exponential backoff (default 250 ms doubling up to 10 s) until closed; a liveness probe every 15 s
 * notices a connection that died silently.
 */
export function listenForTransitions(target: TransitionListenTarget, events: TransitionListenEvents, timing: TransitionListenTiming = {}): TransitionNotifications {
  const where = redactUrl(target.url);
  const min = timing.minBackoffMs ?? 250;
  const max = timing.maxBackoffMs ?? 10_000;
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let connectedOnce = false;
  let failures = 0;
  let upSince = 0;
  let retry: NodeJS.Timeout | null = null;
  let probe: NodeJS.Timeout | null = null;
  let settleFirst: () => void = () => undefined;
  const firstAttempt = new Promise<void>((resolve) => (settleFirst = resolve));

  const lost = (c: pg.Client, err: unknown): void => {
    if (client !== c || closed) return;
    client = null;
    listening = false;
    if (probe) clearInterval(probe);
    c.removeAllListeners('notification');
    // The dropped client may still emit its socket error, and ending it may fail: the loss itself is reported below.
    c.on('error', () => undefined);
    void c.end().catch(() => undefined);
    // A connection that stays up longer than the longest backoff resets it; one dropped right after LISTEN does not
    // (no reconnect storm against a server that ends sessions at once). Jitter spreads reconnecting inspectors.
    if (upSince > 0 && Date.now() - upSince > max) failures = 0;
    upSince = 0;
    const delay = Math.round(Math.min(max, min * 2 ** failures) * (0.75 + Math.random() / 2));
    failures += 1;
    const error = err instanceof TransitionListenError ? err : new TransitionListenError(`LISTEN ${TRANSITIONS_CHANNEL} connection to ${where} lost: ${(err as Error)?.message ?? String(err)}`, where, { cause: err });
    events.onLost?.(error, delay);
    settleFirst();
    retry = setTimeout(connect, delay);
  };

  async function connect(): Promise<void> {
    retry = null;
    if (closed) return;
    const c = new pg.Client({
      connectionString: target.url,
      // Named after the schema, so an operator (or a test) can find this session in pg_stat_activity.
      application_name: `gantry-listen:${target.schema ?? 'default'}`.slice(0, 63),
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      ...(target.schema ? { options: `-c search_path="${target.schema}"` } : {}),
    });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c, new Error('connection ended')));
    try {
      await c.connect();
      const { rows } = await c.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const schema = rows[0]?.schema ?? target.schema ?? 'public';
      c.on('notification', (msg) => {
        if (msg.channel !== TRANSITIONS_CHANNEL || msg.payload === undefined) return;
        let notice: TransitionNotice;
        try {
          notice = parseTransitionNotice(msg.payload, where);
        } catch (err) {
          events.onError?.(err as TransitionListenError);
          return;
        }
        if (notice.schema === schema) events.onNotice(notice);
      });
      await c.query(`LISTEN ${TRANSITIONS_CHANNEL}`);
      if (client !== c || closed) return;
      listening = true;
      upSince = Date.now();
      // The probe gives up after its own interval: a half-open connection is declared lost, not waited on for minutes.
      const probeMs = timing.probeMs ?? 15_000;
      probe = setInterval(() => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to the liveness probe within ${probeMs} ms`)), probeMs)));
        void Promise.race([c.query('SELECT 1'), timeout])
          .catch((err: unknown) => lost(c, err))
          .finally(() => clearTimeout(timer));
      }, probeMs);
      probe.unref();
      events.onListening?.({ resumed: connectedOnce, schema });
      connectedOnce = true;
      settleFirst();
    } catch (err) {
      lost(c, err);
    }
  }

  void connect();
  return {
    firstAttempt,
    isListening: () => listening,
    close: async () => {
      closed = true;
      listening = false;
      if (retry) clearTimeout(retry);
      if (probe) clearInterval(probe);
      settleFirst();
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end();
      }
    },
  };
}
