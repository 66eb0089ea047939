import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { getJson, openInspectFixture, type InspectFixture } from './inspect-fixture.js';
import { launchChromium, openPage, screenshot } from './browser.js';
import { THOUSAND, writeLargeRun as writeThousandTasks } from './large-run-fixture.js';
import { testDatabases } from '../support/test-database.js';

const ENTITIES = 100;
const ROWS = 100_000;

/**
 * Writes a run of ROWS audit rows over ENTITIES tasks in one INSERT … SELECT (the chains are not real hashes: this
 * test is about volume, not about verification). Task `big-k` gets seq 1, 2, … and alternates running/validating.
 */
async function writeLargeRun(fx: InspectFixture): Promise<void> {
  await sql`
    INSERT INTO state_transitions (event_id, entity_type, entity_id, seq, from_state, to_state, trigger, run_id, severity, transitioned_at, prev_hash, hash)
    SELECT 'evt_' || lpad(g::text, 26, '0'), 'task', 'big-' || (g % ${ENTITIES}), g / ${ENTITIES} + 1,
      CASE WHEN g < ${ENTITIES} THEN NULL ELSE 'running' END,
      CASE WHEN g < ${ENTITIES} THEN 'pending' WHEN (g / ${ENTITIES}) % 2 = 1 THEN 'running' ELSE 'validating' END,
      CASE WHEN g < ${ENTITIES} THEN 'create' ELSE 'heartbeat' END,
      'run-big', 'info', timestamptz '2024-01-01' + g * interval '1 millisecond',
      CASE WHEN g < ${ENTITIES} THEN NULL ELSE md5((g - ${ENTITIES})::text) || md5((g - ${ENTITIES})::text || 'x') END,
      md5(g::text) || md5(g::text || 'x')
    FROM generate_series(0, ${ROWS - 1}) AS g`.execute(fx.tdb.db);
}

describe.each(testDatabases())('inspection API with a 100k-transition run on %s', (kind) => {
  let fx: InspectFixture;
  beforeAll(async () => {
    fx = await openInspectFixture(kind, { empty: true });
    await writeLargeRun(fx);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('counts the run’s rows without loading them and caps every page at 1000 rows', async () => {
    expect((await getJson(fx.server, '/api/runs/run-big')).body).toEqual({ id: 'run-big', transitions: ROWS });
    const page = (await getJson(fx.server, `/api/runs/run-big/transitions?after=0&limit=${ROWS}`)).body;
    expect(page.transitions).toHaveLength(1000);
    expect(page.next).toBe(page.transitions[999].id);
    const changes = (await getJson(fx.server, `/api/changes?after=0&limit=${ROWS}`)).body;
    expect(changes.transitions).toHaveLength(1000);
  });

  it('steps to the first, a middle and the last transition with per-state counts from SQL', async () => {
    const first = (await getJson(fx.server, '/api/runs/run-big/step/1')).body;
    expect(first.counts).toEqual([{ entity_type: 'task', state: 'pending', n: 1 }]);
    const middle = (await getJson(fx.server, `/api/runs/run-big/step/${ROWS / 2}`)).body;
    expect(middle.transition).toMatchObject({ entity_id: 'big-99', seq: ROWS / 2 / ENTITIES });
    expect(middle.counts.reduce((s: number, c: { n: number }) => s + c.n, 0)).toBe(ENTITIES);
    const last = (await getJson(fx.server, `/api/runs/run-big/step/${ROWS}`)).body;
    expect(last.transition).toMatchObject({ entity_id: 'big-99', seq: ROWS / ENTITIES, to: 'running' });
    expect(last.counts).toEqual([{ entity_type: 'task', state: 'running', n: ENTITIES }]);
  });
});

describe.each(testDatabases())('the run view of a 1,000-task run in Debian Chromium on %s', (kind) => {
  let fx: InspectFixture;
  let browser: Browser;
  const errors: string[] = [];
  beforeAll(async () => {
    fx = await openInspectFixture(kind, { empty: true });
    await writeThousandTasks(fx.actors, THOUSAND);
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    expect(errors).toEqual([]);
  });

  // The render time is measured by bench/inspect-render.bench.ts, never asserted here.
  it('draws every task, its failures red, and steps back through it', async () => {
    const page = await openPage(browser, `${fx.server.url}/#/runs/${THOUSAND.runId}`, errors);
    const graph = page.locator('#run-graph');
    await expect.poll(() => graph.getAttribute('data-entities'), { timeout: 60_000 }).toBe(String(THOUSAND.workstreams * (THOUSAND.tasksPer + 1)));
    expect(await graph.locator('a.node.task').count()).toBe(1000);
    expect(await graph.locator('a.node.task.st-failure').count()).toBe(100);
    expect(await graph.locator('path.dep').count()).toBe(500);
    expect(await page.locator('#timeline .tl-row').count()).toBe(1000);
    expect(await page.locator('#run-counts .count[data-type="task"][data-state="failed"]').getAttribute('data-n')).toBe('100');
    await screenshot(page, `${kind}-large-run-1000-tasks`);
    const slider = page.locator('#step-slider');
    const max = Number(await slider.getAttribute('max'));
    await slider.fill(String(Math.floor(max / 2)));
    await expect.poll(() => page.locator('#step-label').getAttribute('data-step'), { timeout: 30_000 }).toBe(String(Math.floor(max / 2)));
    expect(await page.locator('#run-counts .count[data-type="task"][data-state="failed"]').count()).toBe(0);
    expect(await graph.locator('a.node.task.st-failure').count()).toBe(0);
    await screenshot(page, `${kind}-large-run-1000-tasks-halfway`);
    await page.close();
  }, 300_000);
});
