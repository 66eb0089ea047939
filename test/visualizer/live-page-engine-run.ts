import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { recomputeHash } from '../../actors/index.js';
import { startInspectServer } from '../../visualizer/index.js';
import { GANTRY_BIN, ROOT } from '../cli/run-gantry.js';
import { makeSandbox, slowWriteCmd, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { childDone, waitForLine } from '../support/spawn-child.js';
import { openTestDatabase, type TestDatabase } from '../support/test-database.js';
import { launchChromium, openPage, screenshot } from './browser.js';

// docs/design/engine.md §7.1, the PostgreSQL cases of live-page.test.ts: a run executes in a separate `gantry` process on a
// schema while the page (served by `gantry inspect` or by startInspectServer here, both LISTENing) shows it live.

const PLAN = {
  run: { id: 'lv', phase: 'PH-1', repository: './repo', target_branch: 'main' },
  retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
  patch_rules: { allowed_paths: ['src/**'] },
  workers: { orchestration: [{ id: 'agent', count: 2, capabilities: ['node'] }] },
  workstreams: [
    {
      id: 'core',
      critical: true,
      tasks: [
        { id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n') },
        { id: 'slow-b', command: slowWriteCmd('src/b.js', 'export const b = 2;\n', 3000), depends_on: ['write-a'], max_retries: 2 },
      ],
    },
  ],
};

/** A sandbox repository with the plan, and the environment that points `gantry` at the test schema. */
async function engineSide(tdb: TestDatabase): Promise<{ box: EngineSandbox; args: string[]; env: NodeJS.ProcessEnv }> {
  const box = await makeSandbox();
  await writeFile(join(box.dir, 'plan.json'), JSON.stringify(PLAN, null, 2));
  const { DATABASE_URL: _url, ...rest } = process.env;
  return { box, args: ['--state-dir', box.stateDir, '--db', tdb.url!], env: { ...rest, GANTRY_DB_SCHEMA: tdb.schema! } };
}

/** Starts `node bin/gantry-dev.js ...args` as a separate process (stdout and stderr piped). */
function gantry(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

const stateOf = (page: Page, type: string, id: string) => page.locator(`#tree button.entity[data-type="${type}"][data-id="${id}"] .state`);
const live = (page: Page, attr: string) => page.locator('#live').getAttribute(attr);

/** Defines the PostgreSQL cases (i) and (ii); `slow` is the per-test timeout. */
export function liveEngineCases(slow: number): void {
  describe('live page while a separate engine process runs (postgres)', () => {
    let browser: Browser;
    const errors: string[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      for (const c of cleanups.reverse()) await c();
      expect(errors).toEqual([]);
    });

    it('gantry inspect shows the run’s state changes as they happen, fed over the WebSocket by LISTEN', async () => {
      const tdb = await openTestDatabase('postgres');
      cleanups.push(() => tdb.close());
      const side = await engineSide(tdb);
      cleanups.push(side.box.cleanup);
      const inspect = gantry(['inspect', '--port', '0', ...side.args], side.env);
      const inspectDone = childDone(inspect);
      cleanups.push(async () => {
        inspect.kill('SIGTERM');
        await inspectDone;
      });
      let url = '';
      inspect.stdout!.on('data', (d) => (url ||= /gantry inspect: (http:\/\/127\.0\.0\.1:\d+) \(.*live: postgres/.exec(String(d))?.[1] ?? ''));
      await waitForLine(inspect, /live: postgres/);
      const page = await openPage(browser, url, errors);
      await expect.poll(() => live(page, 'data-mode'), { timeout: 30_000 }).toBe('websocket');
      expect(await live(page, 'data-source')).toBe('postgres');
      const before = Number(await live(page, 'data-messages'));

      const run = childDone(gantry(['run', join(side.box.dir, 'plan.json'), ...side.args], side.env));
      // States that stay once reached (an intermediate one could pass between two looks on a loaded machine).
      await expect.poll(() => stateOf(page, 'task', 'lv.write-a').textContent(), { timeout: 120_000 }).toBe('completed');
      expect(Number(await live(page, 'data-messages'))).toBeGreaterThan(before);
      // The header names the last notice, which the trigger tagged with the run.
      await expect.poll(() => page.locator('#live').textContent(), { timeout: 30_000 }).toContain('(run lv)');
      expect(await live(page, 'data-mode')).toBe('websocket');
      await screenshot(page, 'postgres-live-run-progress');
      await expect.poll(() => stateOf(page, 'run', 'lv').textContent(), { timeout: 120_000 }).toBe('succeeded');
      const done = await run;
      expect(done.code, done.stderr).toBe(0);
      expect(await page.locator('#live').textContent()).toContain('WebSocket (PostgreSQL LISTEN)');
      await screenshot(page, 'postgres-live-run-succeeded');
      await page.close();
    }, slow);

    it('keeps working when the engine is SIGKILLed mid-run and shows the resumed run to its final state', async () => {
      const tdb = await openTestDatabase('postgres');
      cleanups.push(() => tdb.close());
      const side = await engineSide(tdb);
      cleanups.push(side.box.cleanup);
      const listen = { url: tdb.url!, schema: tdb.schema };
      const server = await startInspectServer({ db: tdb.db, database: { kind: 'postgres', target: tdb.target }, verifyHash: recomputeHash, port: 0, listen });
      cleanups.push(() => server.close());
      const page = await openPage(browser, server.url, errors);
      await expect.poll(() => live(page, 'data-mode'), { timeout: 30_000 }).toBe('websocket');

      const engine = gantry(['run', join(side.box.dir, 'plan.json'), ...side.args], side.env);
      const killed = childDone(engine);
      await waitForLine(engine, /lv\.slow-b: queued → running/);
      engine.kill('SIGKILL');
      expect((await killed).signal).toBe('SIGKILL');
      // The dead engine left the task running: the page shows it so, then the resumed run's progress.
      await expect.poll(() => stateOf(page, 'task', 'lv.slow-b').textContent(), { timeout: 120_000 }).toBe('running');
      await screenshot(page, 'postgres-live-engine-killed');

      const resumed = childDone(gantry(['resume', 'lv', ...side.args], side.env));
      await expect.poll(() => stateOf(page, 'run', 'lv').textContent(), { timeout: 180_000 }).toBe('succeeded');
      expect(await stateOf(page, 'task', 'lv.slow-b').textContent()).toBe('completed');
      const r = await resumed;
      expect(r.code, r.stderr).toBe(0);
      expect(await live(page, 'data-mode')).toBe('websocket');
      // The lost task's repair (running → retrying) is in its history on the page.
      await page.goto(`${server.url}/#/runs/lv/entities/task/lv.slow-b`);
      await expect.poll(() => page.locator('#history tbody').textContent(), { timeout: 30_000 }).toContain('retrying');
      await screenshot(page, 'postgres-live-resumed');
      await page.close();
    }, slow);
  });
}
