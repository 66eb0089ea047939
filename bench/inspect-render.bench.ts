/**
 * Benchmark: the inspection page's run view of a 1,000-task run (issue 13) in Debian Chromium (headless, via
 * playwright-core). The run (10 workstreams × 100 tasks, 500 dependencies, ~4,600 audit rows, written through the
 * real actors) goes into a fresh schema of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), dropped
 * afterwards. Each round opens a new page at `#/runs/big` and reads what the page recorded itself:
 * - ready: ms from the page's navigation start until the graph, counts and timeline are on screen (the frame after
 *   they were drawn) — HTML, assets, status/machines/entities, the run view's JSON, and drawing;
 * - draw: ms spent building the graph and the timeline from the run view's JSON (DOM only);
 * - step: ms for one step of the slider (fetch of the step's states + repainting 1,000 tasks);
 * and, from Node, the time of `GET /api/runs/big/view` alone. Medians of `rounds`.
 * Run: `npx tsx bench/inspect-render.bench.ts [rounds=7]`.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { PersistedActors, recomputeHash } from '../actors/index.js';
import { runReasons } from '../ops/index.js';
import { createDatabase, migrateToLatest } from '../persistence/index.js';
import { startInspectServer } from '../visualizer/index.js';
import { launchChromium } from '../test/visualizer/browser.js';
import { THOUSAND, writeLargeRun } from '../test/visualizer/large-run-fixture.js';
import { median } from './lifecycle/meter.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_inspect_${randomBytes(4).toString('hex')}`;
const handle = await createDatabase({ url: URL, schema, max: 8 });
try {
  await migrateToLatest(handle.db);
  const actors = new PersistedActors({ db: handle.db, cacheSize: 2000 });
  await writeLargeRun(actors, THOUSAND);
  await actors.close();
  const reasons = async (runId: string) => (await runReasons(handle.db, runId)).all;
  const server = await startInspectServer({ db: handle.db, database: { kind: 'postgres', target: schema }, verifyHash: recomputeHash, reasons, port: 0 });
  const browser = await launchChromium();
  const got = { ready: [] as number[], draw: [] as number[], step: [] as number[], api: [] as number[] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/runs/${THOUSAND.runId}/view`);
      await res.json();
      got.api.push(performance.now() - t0);
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${server.url}/#/runs/${THOUSAND.runId}`);
      const graph = page.locator('#run-graph[data-ready-ms]');
      await graph.waitFor({ state: 'attached', timeout: 120_000 });
      got.ready.push(Number(await graph.getAttribute('data-ready-ms')));
      got.draw.push(Number(await graph.getAttribute('data-render-ms')));
      const slider = page.locator('#step-slider');
      const k = String(Math.floor(Number(await slider.getAttribute('max')) / 2) + r);
      await slider.fill(k);
      await page.locator(`#step-label[data-step="${k}"]`).waitFor({ state: 'attached', timeout: 60_000 });
      got.step.push(Number(await page.locator('#step-label').getAttribute('data-ms')));
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const ms = (xs: number[]) => `${Math.round(median(xs))} ms (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))})`;
  console.log(`inspect run view, 1,000 tasks, ${new Date().toISOString()}, node ${process.version}, load ${loadavg()[0]!.toFixed(2)}, medians of ${ROUNDS}:`);
  console.log(`  page ready ${ms(got.ready)}; graph + timeline drawn in ${ms(got.draw)}; one step ${ms(got.step)}; GET /api/runs/big/view ${ms(got.api)}`);
} finally {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
  await handle.close();
}
