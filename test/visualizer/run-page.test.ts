import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { testDatabases } from '../support/test-database.js';
import { launchChromium, openPage, screenshot } from './browser.js';
import { FAILED, openFailedRunFixture, type FailedRunFixture } from './run-fixture.js';

// Issue 13, "the page, built around runs", in Debian Chromium: runs list → run view (graph coloured by state,
// counts, timeline, entity panel with reason, history and output), entity URLs, stepping, long ids.

const node = (page: Page, type: string, id: string) => page.locator(`#run-graph a.node[data-type="${type}"][data-id="${id}"]`);
const count = (page: Page, type: string, state: string) => page.locator(`#run-counts .count[data-type="${type}"][data-state="${state}"]`);

/** The page's `getComputedStyle` (the tests are compiled without the DOM library). */
type Styled = { getComputedStyle(e: unknown): { backgroundColor: string; fill: string } };

/** Every visible `.clip` text cut short whose title does not hold its full id (a label may be the id relative to its lane). */
async function clippedWithoutTitle(page: Page): Promise<string[]> {
  return page.locator('.clip').evaluateAll((els) =>
    els.filter((e) => e.getClientRects().length > 0 && e.scrollWidth > e.clientWidth && !(e.getAttribute('title') ?? '').endsWith(e.textContent ?? '')).map((e) => e.textContent ?? ''),
  );
}

describe.each(testDatabases())('run view in Debian Chromium on %s', (kind) => {
  let fx: FailedRunFixture;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    fx = await openFailedRunFixture(kind);
    browser = await launchChromium();
    page = await openPage(browser, fx.server.url, errors);
  });
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    expect(errors).toEqual([]);
  });

  it('the runs list links to the run, which shows its graph with failures red and its counts', async () => {
    const link = page.locator(`#runs-table a.run-link[href="#/runs/${FAILED.run}"]`);
    await link.waitFor();
    await screenshot(page, `${kind}-runs-list`);
    await link.click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/runs/${FAILED.run}`);
    const boom = node(page, 'task', FAILED.boom);
    await expect.poll(() => boom.getAttribute('data-state')).toBe('failed');
    expect(await boom.getAttribute('class')).toContain('st-failure');
    expect(await boom.evaluate((e) => (globalThis as unknown as Styled).getComputedStyle(e).backgroundColor)).toBe('rgb(254, 226, 226)');
    expect(await node(page, 'workstream', FAILED.other).getAttribute('class')).toContain('st-failure');
    expect(await node(page, 'task', FAILED.done).getAttribute('class')).toContain('st-terminal');
    // Cancelled because its dependency failed: terminal, but not shown as a success.
    expect(await node(page, 'task', FAILED.after).getAttribute('class')).toContain('st-warn');
    expect(await page.locator('#run-graph path.dep').count()).toBe(1);
    expect(await count(page, 'task', 'failed').getAttribute('data-n')).toBe('1');
    expect(await page.locator('#run-state').textContent()).toBe('failed');
    expect(await page.locator('#run-reason').textContent()).toContain('ok failed');
    const row = page.locator(`#timeline .tl-row[data-id="${FAILED.boom}"]`);
    expect(await row.getAttribute('data-attempts')).toBe('2');
    expect(await row.getAttribute('data-retries')).toBe('1');
    await screenshot(page, `${kind}-failed-run`);
  });

  it('clicking a failed task opens the panel beside the graph with the reason, history and output', async () => {
    await node(page, 'task', FAILED.boom).click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/runs/${FAILED.run}/entities/task/${FAILED.boom}`);
    await expect.poll(() => page.locator('#panel-reason').textContent()).toMatch(/exit code 3: .*the real cause/);
    expect(await page.locator('#panel-state').textContent()).toBe('failed');
    await expect.poll(() => page.locator('#history tbody tr').count()).toBe(7);
    expect(await page.locator('#panel-chain').textContent()).toContain('hash chain intact');
    await expect.poll(() => page.locator('#stdout').textContent()).toContain('to-stdout on the second attempt');
    expect(await page.locator('#stderr').textContent()).toContain('the real cause');
    // The panel is beside the graph, not far below it.
    const [g, p] = await Promise.all([page.locator('#run-graph').boundingBox(), page.locator('#detail').boundingBox()]);
    expect(p!.x).toBeGreaterThan(g!.x + g!.width - 1);
    expect(p!.y).toBeLessThan(g!.y + 50);
    await page.locator('#output-attempt').selectOption('1');
    await expect.poll(() => page.locator('#stdout').textContent()).toContain('attempt one says hello');
    await screenshot(page, `${kind}-failed-task-panel`);
  });

  it('an entity URL opens its panel directly', async () => {
    const direct = await openPage(browser, `${fx.server.url}/#/runs/${FAILED.run}/entities/task/${encodeURIComponent(FAILED.after)}`, errors);
    await expect.poll(() => direct.locator('#panel-id').textContent()).toBe(FAILED.after);
    await expect.poll(() => direct.locator('#panel-reason').textContent()).toContain('boom failed');
    expect(await direct.locator(`#run-graph a.node.selected`).getAttribute('data-id')).toBe(FAILED.after);
    await direct.close();
  });

  it('stepping back moves the graph colours, the counts and the panel to that point in time', async () => {
    const slider = page.locator('#step-slider');
    const max = Number(await slider.getAttribute('max'));
    expect(max).toBeGreaterThan(20);
    // Step 16: boom's first attempt is running (task rows before it: creations, assignments, `done`'s progress).
    const stepOf = async (k: number) => {
      await slider.fill(String(k));
      await expect.poll(() => page.locator('#step-label').getAttribute('data-step')).toBe(String(k));
    };
    await stepOf(max - 1);
    expect(await page.locator('#run-state').textContent()).toBe('running');
    expect(await page.locator('#run-reason').isVisible()).toBe(false);
    expect(await node(page, 'task', FAILED.boom).getAttribute('class')).toContain('st-failure');
    let k = max - 1;
    while (k > 1 && (await node(page, 'task', FAILED.boom).getAttribute('data-state')) !== 'running') await stepOf(--k);
    expect(await node(page, 'task', FAILED.boom).getAttribute('class')).toContain('st-active');
    expect(await count(page, 'task', 'failed').count()).toBe(0);
    expect(await count(page, 'task', 'running').getAttribute('data-n')).toBe('1');
    expect(await page.locator('#panel-state').textContent()).toBe('running');
    expect(await page.locator('#panel-now').textContent()).toBe('(now failed)');
    expect(await page.locator('#history tbody tr.future').count()).toBeGreaterThan(0);
    expect(await page.locator('#timeline .tl-cursor').isVisible()).toBe(true);
    await screenshot(page, `${kind}-stepped-back`);
    await stepOf(1);
    expect(await node(page, 'task', FAILED.boom).getAttribute('data-state')).toBe('');
    expect(await node(page, 'task', FAILED.boom).getAttribute('class')).toContain('st-absent');
    await page.locator('#step-live').click();
    await expect.poll(() => node(page, 'task', FAILED.boom).getAttribute('data-state')).toBe('failed');
    expect(await count(page, 'task', 'failed').getAttribute('data-n')).toBe('1');
  });

  it('long ids never clip: ellipsis with the full id in the title, and the full id in the panel', async () => {
    expect(await clippedWithoutTitle(page)).toEqual([]);
    const ws = node(page, 'workstream', FAILED.ws);
    expect(await ws.locator('.label').getAttribute('title')).toBe(FAILED.ws);
    await page.goto(`${fx.server.url}/#/runs/${FAILED.run}/entities/workstream/${encodeURIComponent(FAILED.ws)}`);
    await expect.poll(() => page.locator('#panel-id').textContent()).toBe(FAILED.ws);
    const id = page.locator('#panel-id');
    expect(await id.evaluate((e) => e.scrollWidth <= e.parentElement!.clientWidth)).toBe(true);
    expect(await clippedWithoutTitle(page)).toEqual([]);
    await page.goto(`${fx.server.url}/#/entities`);
    await page.locator(`#tree button.entity[data-id="${FAILED.done}"]`).waitFor();
    // The tree: the id ellipsised with a title, the state whole.
    const state = page.locator(`#tree button.entity[data-id="${FAILED.done}"] .state`);
    expect(await state.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    expect(await state.textContent()).toBe('completed');
    expect(await clippedWithoutTitle(page)).toEqual([]);
    await screenshot(page, `${kind}-entities-long-ids`);
  });

  it('the machines have their own view, the entity’s current state highlighted', async () => {
    await page.goto(`${fx.server.url}/#/runs/${FAILED.run}/entities/task/${FAILED.boom}`);
    await expect.poll(() => page.locator('#panel-machine').getAttribute('href')).toBe('#/machines/task/failed');
    await page.locator('#panel-machine').click();
    const task = page.locator('.machine[data-machine="task"]');
    await expect.poll(() => task.locator('g.state.highlight').getAttribute('data-state')).toBe('failed');
    expect(await task.locator('g.state[data-state="failed"]').getAttribute('class')).toContain('st-failure');
    expect(await task.locator('g.state[data-state="failed"] > rect').first().evaluate((r) => (globalThis as unknown as Styled).getComputedStyle(r).fill)).toBe('rgb(254, 226, 226)');
    expect(await task.locator('g.state[data-state="completed"]').getAttribute('class')).toContain('st-terminal');
    await screenshot(page, `${kind}-machine-highlight`);
  });
});
