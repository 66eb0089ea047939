import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../persistence/index.js';
import { GantryMetrics } from './gantry-metrics.js';
import type { StuckThresholds } from './find-stuck.js';

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  readonly metrics: GantryMetrics;
  close(): Promise<void>;
}

/** Serves Gantry's metrics on `http://127.0.0.1:PORT/metrics` (port 0: any free port), reading `db` at each scrape. */
export async function serveMetrics(db: Kysely<Database>, opts: { port: number; thresholds?: StuckThresholds }): Promise<MetricsServer> {
  const metrics = new GantryMetrics(db, opts.thresholds);
  await metrics.poll();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    metrics,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
