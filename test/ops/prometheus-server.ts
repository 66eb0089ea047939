import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Prometheus server started for a test. */
export interface PrometheusServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Retries `check` until it passes or `deadlineMs` passes (then its last error is thrown). */
export async function eventually(check: () => Promise<void>, deadlineMs = 45_000, everyMs = 250): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** The result vector of an instant query (`/api/v1/query`). */
export async function promQuery(url: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${query} failed: ${body.error ?? res.status}`);
  return body.data.result;
}

/**
 * Starts the `prometheus` binary (Debian package `prometheus`; .ci/run installs it) on a free 127.0.0.1 port with a
 * temporary TSDB and a config scraping `target` (host:port, job `gantry`) every second and evaluating `rules` every
 * second; resolves once `/-/ready` answers. A missing binary fails loudly.
 */
export async function startPrometheus(target: string, rules: string): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    `rule_files: [${JSON.stringify(rules)}]`,
    'scrape_configs:',
    '  - job_name: gantry',
    `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`prometheus could not start (install the Debian package prometheus): ${err.message}`, { cause: err }))));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      spawnError,
      eventually(async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}:\n${log}`);
        const res = await fetch(`${url}/-/ready`);
        if (res.status !== 200) throw new Error(`not ready: ${res.status}`);
      }, 30_000),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}
