// graphile-worker doing no-op jobs for bench/task-lifecycle.bench.ts: one runner (concurrency, local queue,
// batched completion, prepared statements) and a producer adding jobs in batches with addJobs, in one process.
// Prints one JSON result line; the schema it creates is dropped at the end.
import { performance } from 'node:perf_hooks';
import { makeWorkerUtils, run } from 'graphile-worker';
import { Meter, config, emit, packageVersion, runThenDropSchema } from './common.mjs';

const cfg = config();
const version = packageVersion('graphile-worker');
const concurrency = cfg.concurrency ?? 24;
const settings = {
  concurrentJobs: concurrency,
  maxPoolSize: cfg.pool ?? 12,
  pollInterval: 1000,
  preparedStatements: true,
  localQueue: { size: cfg.localQueue ?? 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
};
const preset = { worker: { connectionString: cfg.url, schema: cfg.schema, logger: undefined, ...settings } };
const silent = { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`graphile-worker: ${m}\n`) };

async function main() {
  const { Logger } = await import('graphile-worker');
  preset.worker.logger = new Logger(() => (level, message) => (level === 'error' ? silent.error(message) : undefined));
  const utils = await makeWorkerUtils({ preset });
  await utils.migrate();
  let meter = null;
  const runner = await run({
    preset,
    taskList: {
      noop: async (payload) => {
        meter?.start(payload.t);
        meter?.complete();
      },
    },
  });
  meter = new Meter(cfg);
  while (!meter.done()) {
    await meter.room();
    if (meter.done()) break;
    const t = performance.now();
    const specs = Array.from({ length: cfg.batch }, () => ({ identifier: 'noop', payload: { t } }));
    meter.enqueued += cfg.batch;
    await utils.addJobs(specs);
  }
  const result = meter.result('graphile-worker', version, settings);
  meter = null;
  await runner.stop();
  await utils.release();
  emit(result);
}

await runThenDropSchema(cfg, main);
