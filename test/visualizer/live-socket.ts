import { WebSocket } from 'ws';
import type { LiveMessage } from '../../visualizer/index.js';

/** A test client of the inspection server's `/live` WebSocket that keeps every message it receives. */
export interface LiveSocket {
  readonly messages: LiveMessage[];
  /** Resolves with the first message (already received or to come) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (m: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  close(): Promise<void>;
}

/** Raised when an expected live message does not come before the deadline. */
export class LiveMessageTimeoutError extends Error {
  override readonly name = 'LiveMessageTimeoutError';
  constructor(readonly received: readonly LiveMessage[]) {
    super(`no matching /live message; received ${JSON.stringify(received).slice(0, 2000)}`);
  }
}

/** Opens `/live` on the server at `url` (http://127.0.0.1:PORT) with the page's own origin. */
export async function openLiveSocket(url: string): Promise<LiveSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/live`, { origin: url });
  const messages: LiveMessage[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as LiveMessage);
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    messages,
    next: (match, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < messages.length; seen++) {
            if (match(messages[seen]!)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(messages[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new LiveMessageTimeoutError(messages));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

/** The result of a raw upgrade request: the HTTP status line the server answered with. */
export async function upgradeStatus(url: string, path: string, origin: string): Promise<number> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { origin });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', (err) => {
      // A refused upgrade may surface as an error after the response; the status was already resolved then.
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}
