import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

// docs/design/engine.md §7.1: the inspection page is told "transitions happened" over a local WebSocket, then fetches the delta
// from /api/changes. We do not use @statelyai/inspect for this: its createWebSocketInspector retries forever when no
// server listens (keeping the engine alive), its events are XState actor events (our engine decides with pure
// transitions and persists; the committed transition is the inspection event), and @statelyai/inspect/server's page
// embeds the hosted inspector from stately.ai (not offline) and launches a browser. Our own callback over our own
// WebSocket serves the offline page.

/** One committed transition as a live source reports it (the engine adapts `PersistedActors.subscribe`). */
export interface LiveTransition {
  readonly entityType: string;
  readonly id: string;
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
  readonly runId?: string | null;
}

/** Where the notices come from: the engine's in-process subscription, PostgreSQL LISTEN, or none (the page polls). */
export type LiveSourceKind = 'engine' | 'postgres' | 'polling';

/** A message of the `/live` WebSocket, as JSON. */
export type LiveMessage =
  | { readonly type: 'hello'; readonly server_id: string; readonly source: LiveSourceKind; readonly listening: boolean }
  | { readonly type: 'source'; readonly source: LiveSourceKind; readonly listening: boolean; readonly error: string | null }
  | {
      readonly type: 'transitions';
      readonly source: LiveSourceKind;
      readonly count: number;
      readonly max_id: number | null;
      readonly run_ids: readonly string[];
      /** Up to {@link DETAIL_LIMIT} transitions of the batch, when the source knows them (the engine). */
      readonly transitions: readonly { entity_type: string; id: string; from: string | null; to: string; event: string; run_id: string | null }[];
    }
  | { readonly type: 'resync'; readonly reason: string };

/** The path of the WebSocket endpoint. */
export const LIVE_PATH = '/live';
const DETAIL_LIMIT = 200;
const BATCH_MS = 40;
const PING_MS = 15_000;
/** A page further behind than this (bytes queued) is sent no more batches until it catches up (its catch-up poll fetches the delta). */
const MAX_BUFFERED = 1 << 20;

/**
 * The `/live` WebSocket endpoint of the inspection server (`ws` in noServer mode on the server's own HTTP listener):
 * batches notices for {@link BATCH_MS} ms into one `transitions` message per batch, broadcasts them to every page,
 * pings pages every 15 s and drops those that stop answering.
 */
export class LiveFeed {
  /** Changes when the server restarts: a page seeing a new id reloads everything. */
  readonly serverId = randomUUID();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly alive = new WeakSet<WebSocket>();
  private readonly ping: NodeJS.Timeout;
  private batch: { count: number; maxId: number | null; runIds: Set<string>; detail: Extract<LiveMessage, { type: 'transitions' }>['transitions'][number][] } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private listening: boolean;
  private error: string | null = null;

  constructor(readonly source: LiveSourceKind) {
    this.listening = source === 'engine';
    this.wss.on('connection', (ws) => {
      this.alive.add(ws);
      ws.on('pong', () => this.alive.add(ws));
      // The page sends nothing; a socket error only ends that page's connection (it reconnects by itself).
      ws.on('error', () => ws.terminate());
      this.sendTo(ws, { type: 'hello', server_id: this.serverId, source: this.source, listening: this.listening });
    });
    this.ping = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!this.alive.has(ws)) ws.terminate();
        else {
          this.alive.delete(ws);
          ws.ping();
        }
      }
    }, PING_MS);
    this.ping.unref();
  }

  /** Pages connected now. */
  get clients(): number {
    return this.wss.clients.size;
  }

  /** Whether the source delivers notices now (always for the engine; while LISTEN is active for PostgreSQL). */
  isListening(): boolean {
    return this.listening;
  }

  /**
   * Takes over an HTTP upgrade of `/live` from a page of this server; answers 403 to another origin (a web page from
   * elsewhere must not read the feed) and returns false for any other path (the caller answers it).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, port: number): boolean {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== LIVE_PATH) return false;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    return true;
  }

  /** Records a transition from the engine; sent with the next batch. */
  transition(t: LiveTransition): void {
    const b = this.open();
    b.count += 1;
    if (t.runId) b.runIds.add(t.runId);
    if (t.entityType === 'run') b.runIds.add(t.id);
    if (b.detail.length < DETAIL_LIMIT) b.detail.push({ entity_type: t.entityType, id: t.id, from: t.from, to: t.to, event: t.event, run_id: t.runId ?? null });
  }

  /** Records a PostgreSQL notice (audit rows up to `maxId` committed); sent with the next batch. */
  notice(n: { readonly maxId: number; readonly count: number; readonly runIds: readonly string[] }): void {
    const b = this.open();
    b.count += n.count;
    b.maxId = Math.max(b.maxId ?? 0, n.maxId);
    for (const r of n.runIds) b.runIds.add(r);
  }

  /** Tells every page whether the source delivers notices (pages poll while it does not) and why not. */
  sourceState(listening: boolean, error: Error | null): void {
    this.listening = listening;
    this.error = error?.message ?? null;
    this.broadcast({ type: 'source', source: this.source, listening, error: this.error });
  }

  /** Tells every page to fetch what it may have missed (e.g. LISTEN reconnected). */
  resync(reason: string): void {
    this.broadcast({ type: 'resync', reason });
  }

  /** Closes every page's socket (code 1001, going away) and stops the timers. */
  async close(): Promise<void> {
    clearInterval(this.ping);
    if (this.timer) clearTimeout(this.timer);
    for (const ws of this.wss.clients) ws.close(1001, 'inspection server stopping');
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve, reject) => this.wss.close((err) => (err ? reject(err) : resolve())));
  }

  private open(): NonNullable<LiveFeed['batch']> {
    this.batch ??= { count: 0, maxId: null, runIds: new Set(), detail: [] };
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
    return this.batch;
  }

  private flush(): void {
    const b = this.batch;
    this.batch = null;
    this.timer = null;
    if (!b) return;
    this.broadcast({ type: 'transitions', source: this.source, count: b.count, max_id: b.maxId, run_ids: [...b.runIds].slice(0, 100), transitions: b.detail });
  }

  private broadcast(msg: LiveMessage): void {
    for (const ws of this.wss.clients) this.sendTo(ws, msg);
  }

  private sendTo(ws: WebSocket, msg: LiveMessage): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    // A page that does not keep up is not sent ever more batches: its periodic catch-up fetch gets it the delta.
    if (msg.type === 'transitions' && ws.bufferedAmount > MAX_BUFFERED) return;
    ws.send(JSON.stringify(msg));
  }
}
