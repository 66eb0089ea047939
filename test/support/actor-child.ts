// Child process for crash-safety and restart tests. Opens the database named by its arguments
// (`--db URL --schema S` or `--state-dir DIR`) and runs one mode:
//   crash-loop PREFIX  — creates breakers PREFIX-0…PREFIX-31 if missing, then sends call_failed/call_succeeded
//                        to all of them concurrently (group commits) forever, printing a line per round;
//   script ID          — creates a task ID and sends the events of RESTART_SCRIPT_A, then exits;
//   claim-loop WORKER  — claims queued tasks as WORKER until none is left, prints their ids as JSON.
import { parseArgs } from 'node:util';
import { PersistedActors } from '../../actors/index.js';
import { createDatabase, EntityExistsError, migrateToLatest } from '../../persistence/index.js';
import { RESTART_INPUT, RESTART_SCRIPT_A } from './restart-script.js';

const { values, positionals } = parseArgs({ options: { db: { type: 'string' }, schema: { type: 'string' }, 'state-dir': { type: 'string' } }, allowPositionals: true });
const [mode, arg] = positionals;
const handle = values.db ? await createDatabase({ url: values.db, schema: values.schema }) : await createDatabase({ stateDir: values['state-dir']! });
await migrateToLatest(handle.db);
const actors = new PersistedActors({ db: handle.db });

if (mode === 'crash-loop') {
  const ids = Array.from({ length: 32 }, (_, i) => `${arg}-${i}`);
  for (const id of ids) {
    try {
      await actors.create('circuit_breaker', id, { failure_threshold: 1_000_000 });
    } catch (err) {
      if (!(err instanceof EntityExistsError)) throw err;
    }
  }
  process.stdout.write('ready\n');
  for (let round = 0; ; round++) {
    await Promise.all(ids.map((id, i) => actors.send('circuit_breaker', id, { type: (round + i) % 3 === 0 ? 'call_succeeded' : 'call_failed' })));
    process.stdout.write(`round ${round}\n`);
  }
} else if (mode === 'claim-loop') {
  // Claims queued tasks as worker ARG until none is left; prints the claimed ids as one JSON line.
  const claimed: string[] = [];
  for (;;) {
    const got = await actors.claim({ workerId: arg!, capabilities: ['node'], limit: 7 });
    if (got.length === 0) break;
    claimed.push(...got.map((t) => t.id));
  }
  await actors.close();
  await handle.close();
  process.stdout.write(`${JSON.stringify(claimed)}\n`);
} else if (mode === 'script') {
  await actors.create('task', arg!, RESTART_INPUT);
  for (const e of RESTART_SCRIPT_A) await actors.send('task', arg!, e);
  await actors.close();
  await handle.close();
  process.stdout.write('done\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
