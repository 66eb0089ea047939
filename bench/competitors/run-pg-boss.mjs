// pg-boss doing no-op jobs for bench/task-lifecycle.bench.ts: workers fetching batches (localConcurrency ×
// batchSize, burst fetching while batches come back full, LISTEN/NOTIFY wake-up) and a producer inserting jobs in
// batches with insert(), in one process. Prints one JSON result line; the schema it creates is dropped at the end.
import { performance } from 'node:perf_hooks';
import { PgBoss } from 'pg-boss';
import { Meter, config, emit, packageVersion, runThenDropSchema } from './common.mjs';

const cfg = config();
const QUEUE = 'noop';
const settings = {
  max: cfg.pool ?? 12,
  localConcurrency: cfg.concurrency ?? 4,
  batchSize: cfg.fetch ?? 200,
  pollingIntervalSeconds: 0.5,
  burstWhenBatchFull: true,
  useListenNotify: true,
  notify: true,
};

async function main() {
  const boss = new PgBoss({
    connectionString: cfg.url,
    schema: cfg.schema,
    max: settings.max,
    useListenNotify: settings.useListenNotify,
    supervise: false,
    schedule: false,
  });
  boss.on('error', (e) => process.stderr.write(`pg-boss: ${e.message}\n`));
  await boss.start();
  await boss.createQueue(QUEUE, { notify: settings.notify });
  let meter = null;
  const handler = async (jobs) => {
    for (const job of jobs) meter?.start(job.data.t);
    meter?.complete(jobs.length);
  };
  await boss.work(QUEUE, {
    batchSize: settings.batchSize,
    localConcurrency: settings.localConcurrency,
    pollingIntervalSeconds: settings.pollingIntervalSeconds,
    burstWhenBatchFull: settings.burstWhenBatchFull,
  }, handler);
  meter = new Meter(cfg);
  while (!meter.done()) {
    await meter.room();
    if (meter.done()) break;
    const t = performance.now();
    meter.enqueued += cfg.batch;
    await boss.insert(QUEUE, Array.from({ length: cfg.batch }, () => ({ data: { t } })));
  }
  const result = meter.result('pg-boss', packageVersion('pg-boss'), settings);
  meter = null;
  await boss.stop({ graceful: false, close: true, timeout: 2000 });
  emit(result);
}

await runThenDropSchema(cfg, main);
