import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { ENTITY_TABLES, readEntityOutput, type Database } from '../persistence/index.js';
import { entityHistory, type HashVerifier } from './entity-history.js';
import { databaseError, InspectBadRequestError, InspectError, InspectNotFoundError } from './inspect-errors.js';
import { InspectQueries, wireTransition } from './inspect-queries.js';
import type { LiveSourceKind } from './live-feed.js';
import { startLiveSource, type LiveSource, type LiveSourceOptions } from './live-source.js';
import { machineViews, type MachineView } from './machine-views.js';
import { RunQueries } from './run-queries.js';
import { runView, type RunReasonSource } from './run-view.js';

/**
 * Options of {@link startInspectServer}. The live feed's source (docs/design/engine.md §7.1) is `live` when given (the engine's
 * process), else `listen` (PostgreSQL LISTEN), else none (the page polls).
 */
export interface InspectServerOptions extends LiveSourceOptions {
  readonly db: Kysely<Database>;
  /** Which database the page is looking at, for its header (e.g. `postgres` and the redacted URL). */
  readonly database: { readonly kind: string; readonly target: string };
  /** Recomputes audit hashes (the CLI passes the actor layer's `recomputeHash`); without it chains are only link-checked. */
  readonly verifyHash?: HashVerifier | null;
  /** Port on 127.0.0.1; 0 picks a free one. Default 4600. */
  readonly port?: number;
  /** Why a run's entities are in their state (ops' `runReasons`, handed in: the visualizer reads machines and persistence only). */
  readonly reasons?: RunReasonSource | null;
  /** Entities listed per type; default 500. */
  readonly entityLimit?: number;
}

/** A running inspection server. */
export interface InspectServer {
  readonly url: string;
  readonly port: number;
  /** The live feed's source: `engine` (the `live` option), `postgres` (LISTEN) or `polling` (none). */
  readonly live: LiveSourceKind;
  close(): Promise<void>;
}

const ASSETS: Readonly<Record<string, string>> = {
  '/': 'inspect.html',
  '/assets/inspect.js': 'inspect.js',
  '/assets/inspect.css': 'inspect.css',
  '/assets/live-client.js': 'live-client.js',
  '/assets/run-graph.js': 'run-graph.js',
  '/assets/entity-panel.js': 'entity-panel.js',
  '/assets/page-util.js': 'page-util.js',
};
const TYPES: Readonly<Record<string, string>> = { html: 'text/html', js: 'text/javascript', css: 'text/css' };
const MAX_LIMIT = 1000;

/** A non-negative integer query parameter, `fallback` when absent, capped at `max`. */
function intParam(url: URL, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new InspectBadRequestError(`${name} must be a non-negative integer, not '${raw}'`);
  return Math.min(Number(raw), max);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/** Routes one GET request of the JSON API; null when the path is not an API path. */
async function api(q: InspectQueries, rq: RunQueries, opts: InspectServerOptions, views: MachineView[], live: LiveSource, url: URL): Promise<unknown> {
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  const limit = intParam(url, 'limit', 200, MAX_LIMIT);
  const after = intParam(url, 'after', 0);
  const [head, a, b, c] = parts;
  if (head === 'machines' && parts.length === 1) return views;
  if (head === 'status' && parts.length === 1) {
    const { counts, lastId } = await q.status();
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    const feed = { source: live.kind, listening: live.feed.isListening(), pages: live.feed.clients, server_id: live.feed.serverId };
    return { ok: true, database: opts.database, counts, total, empty: total === 0, last_id: lastId, verified: Boolean(opts.verifyHash), live: feed };
  }
  if (head === 'entities' && parts.length === 1) return { entities: await q.entities(opts.entityLimit ?? 500), limit_per_type: opts.entityLimit ?? 500 };
  if (head === 'entity' && parts.length === 3) return entityDetail(q, opts, a!, b!);
  if (head === 'entity' && parts.length === 4 && c === 'output') {
    const attempt = url.searchParams.get('attempt');
    const out = await readEntityOutput(opts.db, b!, attempt === null || attempt === '' ? null : intParam(url, 'attempt', 0)).catch((err: unknown) => {
      throw databaseError(err);
    });
    return { entity_type: a, id: b, output: out && (a === 'task' || a === 'test_gate') ? out : null };
  }
  if (head === 'entity' && parts.length === 4 && c === 'history') return entityHistory(q, a!, b!, { after, limit }, opts.verifyHash ?? null);
  if (head === 'changes' && parts.length === 1) {
    if (!url.searchParams.has('after')) return { transitions: [], last: (await q.status()).lastId };
    const rows = (await q.changes(after, limit)).map(wireTransition);
    return { transitions: rows, last: rows.length ? rows[rows.length - 1]!.id : after };
  }
  if (head === 'runs' && parts.length === 1) return { runs: await rq.runs(limit) };
  if (head === 'runs' && a !== undefined) {
    if (parts.length === 2) return { id: a, transitions: await q.runCount(a) };
    if (parts.length === 3 && b === 'view') return runView(rq, a, await q.runCount(a), opts.reasons ?? null);
    if (parts.length === 3 && b === 'transitions') {
      const rows = (await q.runTransitions(a, after, limit)).map(wireTransition);
      return { run_id: a, transitions: rows, next: rows.length === limit ? rows[rows.length - 1]!.id : null };
    }
    if (parts.length === 4 && b === 'step') {
      const step = Number(c);
      if (!Number.isInteger(step) || step < 1) throw new InspectBadRequestError(`step must be a positive integer, not '${c}'`);
      const { transition, counts, states } = await q.runStep(a, step);
      if (!transition) throw new InspectNotFoundError(`run ${a} has no step ${step}`);
      return { run_id: a, step, transition: wireTransition(transition), counts, states };
    }
  }
  throw new InspectNotFoundError(`no endpoint ${url.pathname}`);
}

/** `/api/entity/:type/:id`: an entity's state, links and, when it belongs to a run, why it is in its state. */
async function entityDetail(q: InspectQueries, opts: InspectServerOptions, type: string, id: string): Promise<unknown> {
  if (!Object.hasOwn(ENTITY_TABLES, type)) throw new InspectNotFoundError(`unknown entity type '${type}'`);
  const e = await q.entity(type, id);
  if (!e) throw new InspectNotFoundError(`${type} ${id} does not exist`);
  const runId = type === 'run' ? id : await q.runOf(type, id);
  const reasons = runId && opts.reasons ? await opts.reasons(runId) : null;
  return { entity_type: type, id, state: e.state, version: e.version, run_id: runId, reason: reasons?.get(`${type}:${id}`) ?? null };
}

async function handle(req: IncomingMessage, res: ServerResponse, q: InspectQueries, rq: RunQueries, opts: InspectServerOptions, views: MachineView[], assets: Map<string, string>, live: LiveSource): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  // DNS rebinding: a page of another site re-pointed at 127.0.0.1 would send its own Host; only ours are answered.
  const port = (req.socket.address() as AddressInfo).port;
  if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
    send(res, 403, 'application/json', JSON.stringify({ error: `the inspection server answers http://127.0.0.1:${port} only` }));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'application/json', JSON.stringify({ error: 'the inspection server is read-only: GET only' }));
    return;
  }
  const asset = ASSETS[url.pathname];
  if (asset) {
    send(res, 200, TYPES[asset.split('.').pop()!]!, assets.get(asset)!);
    return;
  }
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  if (!url.pathname.startsWith('/api/')) {
    send(res, 404, 'text/plain', `not found: ${url.pathname}`);
    return;
  }
  try {
    send(res, 200, 'application/json', JSON.stringify(await api(q, rq, opts, views, live, url)));
  } catch (err) {
    const status = err instanceof InspectError ? err.status : 500;
    const hint = (err as { hint?: string }).hint ?? null;
    send(res, status, 'application/json', JSON.stringify({ ok: false, error: (err as Error).message, hint }));
  }
}

/**
 * Serves the inspection page and its JSON API on 127.0.0.1 (never another interface), read-only: every endpoint is a
 * bounded SELECT. The page's assets are hand-written files beside this module, so it works offline. The WebSocket
 * `/live` on the same listener pushes "transitions happened" notices from the source the options choose
 * (docs/design/engine.md §7.1); the page fetches the delta from `/api/changes` and polls while it has no socket.
 */
export async function startInspectServer(opts: InspectServerOptions): Promise<InspectServer> {
  const q = new InspectQueries(opts.db);
  const rq = new RunQueries(opts.db);
  const views = await machineViews();
  const assets = new Map<string, string>();
  for (const file of Object.values(ASSETS)) assets.set(file, await readFile(new URL(`./assets/${file}`, import.meta.url), 'utf8'));
  const live = await startLiveSource(opts);
  const server: Server = createServer((req, res) => void handle(req, res, q, rq, opts, views, assets, live));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 4600, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await live.stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  server.on('upgrade', (req, socket, head) => {
    if (!live.feed.handleUpgrade(req, socket, head, port)) socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    live: live.kind,
    close: async () => {
      await live.stop();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
}
