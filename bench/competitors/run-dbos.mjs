// DBOS Transact running a workflow of two no-op checkpointed steps (DBOS.runStep) for
// bench/task-lifecycle.bench.ts, in one of two modes (cfg.mode):
//  - 'queue' (dbos-queue): the producer enqueues each workflow on a durable queue (DBOS.startWorkflow with queueName:
//    an ENQUEUED row); this process's queue dispatcher polls it (minPollingIntervalMs), claims up to
//    workerConcurrency − running workflows per poll and runs them;
//  - 'direct' (dbos-direct): the producer starts each workflow itself (DBOS.startWorkflow: its status row is written,
//    then the workflow runs in this process).
// Either way each workflow writes its status row, one checkpoint row per step and its result. DBOS has no batch
// enqueue: a batch is `batch` concurrent startWorkflow calls. The system database is DATABASE_URL's database with a
// fresh schema (systemDatabaseSchemaName), dropped at the end. Prints one JSON result line; DBOS logs go to stderr.
import { performance } from 'node:perf_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { Meter, config, emit, packageVersion, runThenDropSchema } from './common.mjs';

const cfg = config();
const mode = cfg.mode ?? 'queue';
if (mode !== 'queue' && mode !== 'direct') throw new Error(`unknown DBOS mode ${mode}`);
const QUEUE = 'noop';
const settings = {
  mode,
  systemDatabasePoolSize: cfg.pool ?? 20,
  ...(mode === 'queue'
    ? { workerConcurrency: cfg.concurrency ?? 200, minPollingIntervalMs: cfg.pollMs ?? 20, maxConcurrentQueueDispatches: 1 }
    : {}),
  producerConcurrency: cfg.batch,
  logLevel: 'warn',
};

// pg 8 warns on stderr about DBOS's concurrent queries on one client; DBOS's warnings (e.g. the list of workflows
// still running at shutdown) are cut to their first line's 200 characters.
process.noDeprecation = true;
const stderrLogger = (level) => (entry) => {
  const text = entry instanceof Error ? entry.message : String(entry);
  process.stderr.write(`dbos ${level}: ${text.split('\n')[0].slice(0, 200)}${text.length > 200 ? ' …' : ''}\n`);
};
const silent = () => {};

/** Set while measuring; the workflow reports to it. */
let meter = null;
const noop = async () => {};
const lifecycle = DBOS.registerWorkflow(
  async (enqueuedAt) => {
    await DBOS.runStep(async () => meter?.start(enqueuedAt), { name: 'first' });
    await DBOS.runStep(noop, { name: 'second' });
    meter?.complete();
  },
  { name: 'lifecycle' },
);

async function main() {
  DBOS.setConfig({
    name: 'gantry-bench',
    systemDatabaseUrl: cfg.url,
    systemDatabaseSchemaName: cfg.schema,
    systemDatabasePoolSize: settings.systemDatabasePoolSize,
    ...(mode === 'queue' ? { maxConcurrentQueueDispatches: settings.maxConcurrentQueueDispatches } : {}),
    logger: { debug: silent, info: silent, warn: stderrLogger('warn'), error: stderrLogger('error') },
  });
  await DBOS.launch();
  try {
    const params = {};
    if (mode === 'queue') {
      await DBOS.registerQueue(QUEUE, { workerConcurrency: settings.workerConcurrency, minPollingIntervalMs: settings.minPollingIntervalMs });
      params.queueName = QUEUE;
    }
    // One workflow through end to end before the clock starts: the dispatcher picks a queue up on its next
    // reconcile (≤ 1 s after registerQueue), and this also warms the connections.
    await (await DBOS.startWorkflow(lifecycle, params)(performance.now())).getResult();
    meter = new Meter(cfg);
    while (!meter.done()) {
      await meter.room();
      if (meter.done()) break;
      const t = performance.now();
      meter.enqueued += cfg.batch;
      await Promise.all(Array.from({ length: cfg.batch }, () => DBOS.startWorkflow(lifecycle, params)(t)));
    }
    const result = meter.result(mode === 'queue' ? 'dbos-queue' : 'dbos-direct', packageVersion('@dbos-inc/dbos-sdk'), settings);
    meter = null;
    emit(result);
  } finally {
    await DBOS.shutdown().catch((e) => process.stderr.write(`dbos shutdown: ${e.message}\n`));
  }
}

await runThenDropSchema(cfg, main);
