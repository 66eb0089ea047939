import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ENTITY_TYPES, machineCatalog } from '../../machines/index.js';
import { chartEdges, machineChart } from '../../visualizer/index.js';
import { testDatabases } from '../support/test-database.js';
import { launchChromium, openPage, screenshot } from './browser.js';
import { at, openInspectFixture, type InspectFixture } from './inspect-fixture.js';

describe.each(testDatabases())('inspection page in Debian Chromium on %s', (kind) => {
  let fx: InspectFixture;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    fx = await openInspectFixture(kind);
    browser = await launchChromium();
    page = await openPage(browser, fx.server.url, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    expect(errors).toEqual([]);
  });

  it('draws all eight machines with every state node and edge, on their own view', async () => {
    await page.locator('#runs-table a.run-link[href="#/runs/run-1"]').waitFor();
    expect(await page.locator('#status').getAttribute('data-state')).toBe('ok');
    await page.locator('#nav a[data-view="machines"]').click();
    expect(await page.locator('.machine').evaluateAll((ms) => ms.map((m) => m.getAttribute('data-machine')))).toEqual([...ENTITY_TYPES]);
    for (const type of ENTITY_TYPES) {
      const svg = page.locator(`.machine[data-machine="${type}"] svg`);
      expect(await svg.locator('g.state').count(), `${type} states`).toBe(machineCatalog[type].states.length);
      expect(await svg.locator('g.edge.ssot, g.edge.ext').count(), `${type} edges`).toBe(chartEdges(machineChart(type)).length);
    }
    await expect.poll(() => page.locator('.machine[data-machine="run"] g.state[data-state="running"]').getAttribute('data-count')).toBe('1');
    await screenshot(page, `${kind}-machines`);
  });

  it('lists every entity with its state on the entities view', async () => {
    await page.locator('#nav a[data-view="entities"]').click();
    const task = page.locator('#tree button.entity[data-type="task"][data-id="task-a2"]');
    await task.waitFor();
    expect(await task.locator('.state').textContent()).toBe('cancelled');
    expect(await page.locator('#tree button[data-type="circuit_breaker"][data-id="breaker-1"] .state').textContent()).toBe('OPEN');
  });

  it('selecting an entity opens it at its URL with its audit history, and its state is highlighted on its machine', async () => {
    await page.locator('#tree button.entity[data-id="task-a2"]').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/runs/run-1/entities/task/task-a2');
    const rows = page.locator('#history tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual([
      '2', new Date(at(4)).toISOString(), 'pending', 'cancelled', 'user_cancelled', '✓ hash ok', 'not needed', 'bob',
    ]);
    expect(await page.locator('#panel-chain').textContent()).toContain('hash chain intact');
    await screenshot(page, `${kind}-selected-task`);
    await page.locator('#panel-machine').click();
    const states = page.locator('.machine[data-machine="task"] g.state.highlight');
    await expect.poll(() => states.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')))).toEqual(['cancelled']);
  });

  it('shows a transition written while the page is open', async () => {
    await page.goto(`${fx.server.url}/#/entities`);
    await page.locator('#tree button.entity[data-id="breaker-1"]').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/entities/circuit_breaker/breaker-1');
    await expect.poll(() => page.locator('#history tbody tr').count()).toBe(2);
    await fx.actors.send('circuit_breaker', 'breaker-1', { type: 'cooldown_elapsed', now: at(200) });
    const state = page.locator('#tree button.entity[data-id="breaker-1"] .state');
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toBe('HALF_OPEN');
    await expect.poll(() => page.locator('#history tbody tr').count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => page.locator('#panel-state').textContent()).toBe('HALF_OPEN');
    const breaker = page.locator('.machine[data-machine="circuit_breaker"]');
    expect(await breaker.locator('g.state[data-state="OPEN"]').getAttribute('data-count')).toBe('0');
    expect(await breaker.locator('g.state[data-state="HALF_OPEN"]').getAttribute('data-count')).toBe('1');
    await screenshot(page, `${kind}-live-change`);
  });

  it('replays a run with the slider, moving the graph and the counts to each step', async () => {
    await page.goto(`${fx.server.url}/#/runs/run-1`);
    await page.locator('#run-graph a.node[data-id="task-a2"]').waitFor();
    const slider = page.locator('#step-slider');
    await expect.poll(() => slider.getAttribute('max')).toBe('14');
    await slider.fill('6');
    await expect.poll(() => page.locator('#step-label').getAttribute('data-step')).toBe('6');
    expect(await page.locator('#step-label').textContent()).toContain('task task-a2 pending → cancelled (user_cancelled)');
    const node = (id: string) => page.locator(`#run-graph a.node[data-id="${id}"]`);
    const count = (type: string, state: string) => page.locator(`#run-counts .count[data-type="${type}"][data-state="${state}"]`);
    expect(await node('task-a2').getAttribute('data-state')).toBe('cancelled');
    expect(await node('task-a1').getAttribute('data-state')).toBe('pending');
    expect(await count('task', 'pending').getAttribute('data-n')).toBe('1');
    expect(await count('worker', 'idle').count()).toBe(0);
    await screenshot(page, `${kind}-step-6`);
    await page.locator('#step-prev').click();
    await expect.poll(() => page.locator('#step-label').getAttribute('data-step')).toBe('5');
    expect(await count('task', 'pending').getAttribute('data-n')).toBe('2');
    expect(await count('task', 'cancelled').count()).toBe(0);
    await page.locator('#step-live').click();
    await expect.poll(() => count('task', 'cancelled').getAttribute('data-n')).toBe('1');
    expect(await count('worker', 'idle').getAttribute('data-n')).toBe('1');
  });
});

describe('inspection page messages in Debian Chromium (PGlite)', () => {
  let browser: Browser;
  const errors: string[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(errors).toEqual([]);
  });

  it('says the database is empty, then shows the first entity when it appears', async () => {
    const fx = await openInspectFixture('pglite', { empty: true });
    try {
      const page = await openPage(browser, fx.server.url, errors);
      const status = page.locator('#status');
      await expect.poll(() => status.getAttribute('data-state')).toBe('empty');
      expect(await status.textContent()).toContain('The database is empty');
      expect(await page.locator('.machine').count()).toBe(8);
      await screenshot(page, 'pglite-empty');
      await fx.actors.create('circuit_breaker', 'breaker-new', { failure_threshold: 2, now: at(0) });
      await expect.poll(() => page.locator('#tree button[data-id="breaker-new"] .state').textContent(), { timeout: 10_000 }).toBe('CLOSED');
      expect(await status.getAttribute('data-state')).toBe('ok');
    } finally {
      await fx.close();
    }
  });

  it('says what is wrong when the database has no Gantry tables, and still draws the machines', async () => {
    const fx = await openInspectFixture('pglite', { migrate: false });
    try {
      const page = await openPage(browser, fx.server.url, errors);
      const status = page.locator('#status');
      await expect.poll(() => status.getAttribute('data-state')).toBe('error');
      expect(await status.textContent()).toMatch(/no Gantry tables.*gantry db migrate/);
      await expect.poll(() => page.locator('.machine').count()).toBe(8);
      await screenshot(page, 'pglite-unmigrated');
    } finally {
      await fx.close();
    }
  });
});
