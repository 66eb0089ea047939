import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { PersistedActors } from '../../actors/index.js';
import { InvalidTransitionError } from '../../machines/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

/** One message as `@statelyai/inspect`'s WebSocket inspector sends it (XState's inspection protocol, serialized). */
interface Message {
  readonly type: string;
  readonly sessionId: string;
  readonly name?: string;
  readonly event?: { readonly type: string; readonly [k: string]: unknown };
  readonly snapshot?: { readonly value?: unknown; readonly status?: string; readonly context?: Record<string, unknown> };
}

// A service's persisted actors shown live by a standard XState inspector: every committed creation and transition
// reaches a WebSocket server as `@xstate.actor` / `@xstate.event` / `@xstate.snapshot`, in commit order; refused sends
// never do.
describe.each(testDatabases())('XState inspection of persisted actors on %s', (kind) => {
  let tdb: TestDatabase;
  let server: WebSocketServer;
  const received: Message[] = [];
  let t = 1_700_000_000_000;

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    server.on('connection', (socket) => socket.on('message', (data) => received.push(JSON.parse(String(data)) as Message)));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tdb.close();
  });

  it('emits actor, event and snapshot messages of committed transitions, with stable session ids', async () => {
    const { port } = server.address() as AddressInfo;
    const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${port}` });
    const actors = new PersistedActors({ db: tdb.db, clock: () => (t += 1000), inspect: inspector.inspect });
    try {
      await actors.create('task', 'insp-1', { required_capabilities: ['node'] });
      // Refused: pending has no edge for validation_passed. Nothing is committed, so nothing is inspected.
      await expect(actors.send('task', 'insp-1', { type: 'validation_passed' })).rejects.toBeInstanceOf(InvalidTransitionError);
      await actors.send('task', 'insp-1', { type: 'scheduler_assigned' });
      expect((await actors.claim({ workerId: 'agent-1', capabilities: ['node'] })).map((c) => c.id)).toEqual(['insp-1']);
      await actors.send('task', 'insp-1', { type: 'execution_completed', exit_code: 0 });
      await actors.send('task', 'insp-1', { type: 'validation_passed' });
      await actors.close();

      const mine = () => received.filter((m) => m.sessionId === 'task:insp-1');
      await vi.waitFor(() => expect(mine().length).toBe(10), { timeout: 15_000, interval: 50 });
      const seen = mine().map((m) => [m.type, m.event?.type ?? null, m.type === '@xstate.event' ? null : (m.snapshot?.value ?? null)]);
      expect(seen).toEqual([
        ['@xstate.actor', null, 'pending'],
        ['@xstate.snapshot', 'xstate.init', 'pending'],
        ['@xstate.event', 'scheduler_assigned', null],
        ['@xstate.snapshot', 'scheduler_assigned', 'queued'],
        ['@xstate.event', 'worker_started', null],
        ['@xstate.snapshot', 'worker_started', 'running'],
        ['@xstate.event', 'execution_completed', null],
        ['@xstate.snapshot', 'execution_completed', 'validating'],
        ['@xstate.event', 'validation_passed', null],
        ['@xstate.snapshot', 'validation_passed', 'completed'],
      ]);
      const [actor] = mine();
      expect(actor!.name).toBe('insp-1');
      const last = mine().at(-1)!;
      expect(last.snapshot?.context?.['worker_id']).toBeNull();
      expect(mine()[5]!.snapshot?.context?.['worker_id']).toBe('agent-1');
      expect(mine()[4]!.event).toMatchObject({ type: 'worker_started', worker_id: 'agent-1' });
    } finally {
      inspector.stop();
    }
  });
});
