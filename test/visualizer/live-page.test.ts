import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PersistedActors, recomputeHash } from '../../actors/index.js';
import { liveFromCommitted, startInspectServer, type InspectServer } from '../../visualizer/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import { launchChromium, openPage, screenshot } from './browser.js';
import { at, populate } from './inspect-fixture.js';
import { liveEngineCases } from './live-page-engine-run.js';

// docs/design/engine.md §7.1: the page's live feed in Debian Chromium. Here (iii) the in-process source — the `live` option fed by
// a real PersistedActors, as `gantry run --inspect-port` does — and the page's recovery when its server restarts;
// on PostgreSQL also (i)/(ii), a run in a separate engine process, killed and resumed (live-page-engine-run.ts).

const SLOW = 240_000;

/** The connection status the page shows: data-mode, data-source, data-messages and its text. */
async function liveStatus(page: Page): Promise<{ mode: string | null; source: string | null; messages: number; text: string }> {
  const box = page.locator('#live');
  return {
    mode: await box.getAttribute('data-mode'),
    source: await box.getAttribute('data-source'),
    messages: Number(await box.getAttribute('data-messages')),
    text: (await box.textContent()) ?? '',
  };
}

describe('live page fed by the engine’s in-process subscription (pglite)', () => {
  let tdb: TestDatabase;
  let actors: PersistedActors;
  let server: InspectServer | null = null;
  let browser: Browser;
  const errors: string[] = [];
  const start = (port: number) =>
    startInspectServer({ db: tdb.db, database: { kind: 'pglite', target: tdb.target }, verifyHash: recomputeHash, port, live: liveFromCommitted(actors.subscribe.bind(actors)) });
  beforeAll(async () => {
    tdb = await openTestDatabase('pglite');
    actors = new PersistedActors({ db: tdb.db });
    await populate(actors);
    server = await start(0);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await actors?.close();
    await tdb?.close();
    expect(errors).toEqual([]);
  });

  it('updates from a send over the WebSocket, and recovers by itself when its server restarts', async () => {
    const page = await openPage(browser, server!.url, errors);
    const breaker = page.locator('#tree button.entity[data-id="breaker-1"] .state');
    await expect.poll(() => breaker.textContent(), { timeout: 30_000 }).toBe('OPEN');
    await expect.poll(async () => (await liveStatus(page)).mode, { timeout: 30_000 }).toBe('websocket');
    const before = await liveStatus(page);
    expect(before.source).toBe('engine');
    await actors.send('circuit_breaker', 'breaker-1', { type: 'cooldown_elapsed', now: at(200) });
    await expect.poll(() => breaker.textContent(), { timeout: 30_000 }).toBe('HALF_OPEN');
    // The notice came over the WebSocket (the page shows the last one), not from a poll.
    await expect.poll(async () => (await liveStatus(page)).text, { timeout: 30_000 }).toContain('circuit_breaker breaker-1 OPEN → HALF_OPEN (cooldown_elapsed)');
    expect((await liveStatus(page)).messages).toBeGreaterThan(before.messages);
    await screenshot(page, 'pglite-live-engine');

    // The server goes away (as it does when the engine stops): the page says so and polls …
    const port = server!.port;
    await server!.close();
    server = null;
    await expect.poll(async () => (await liveStatus(page)).mode, { timeout: 30_000 }).toBe('polling');
    await expect.poll(() => page.locator('#status').getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
    expect(await page.locator('#status').textContent()).toContain('inspection server is unreachable');
    await screenshot(page, 'pglite-live-server-down');
    // … meanwhile the engine goes on; a new server on the same port (the engine restarted) is found again.
    await actors.send('circuit_breaker', 'breaker-1', { type: 'call_failed', now: at(210) });
    server = await start(port);
    await expect.poll(async () => (await liveStatus(page)).mode, { timeout: 60_000 }).toBe('websocket');
    await expect.poll(() => breaker.textContent(), { timeout: 30_000 }).toBe('OPEN');
    await expect.poll(() => page.locator('#status').getAttribute('data-state'), { timeout: 30_000 }).toBe('ok');
    await actors.send('circuit_breaker', 'breaker-1', { type: 'cooldown_elapsed', now: at(400) });
    await expect.poll(() => breaker.textContent(), { timeout: 30_000 }).toBe('HALF_OPEN');
    expect((await liveStatus(page)).text).toContain('WebSocket (engine events)');
    await screenshot(page, 'pglite-live-reconnected');
    await page.close();
  }, SLOW);
});

for (const kind of testDatabases()) {
  if (kind === 'postgres') liveEngineCases(SLOW);
}
