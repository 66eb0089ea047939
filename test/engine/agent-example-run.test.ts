import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { runPlan } from '../../engine/index.js';
import { runUsage } from '../../persistence/index.js';
import { loadPlan } from '../../plan/index.js';
import { ROOT } from '../cli/run-gantry.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';

const exec = promisify(execFile);

// Issue 15: examples/agent/stand-in.yaml end to end — a stand-in agent as a tool profile, prompts inline and from a
// file, usage summed, and a budget stop that fails its task without retry while the other workstreams merge.
describe.each(testDatabases())('examples/agent/stand-in.yaml (%s)', (kind) => {
  let dir: string;
  let db: TestDatabase;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-agent-example-'));
    await exec('sh', [join(ROOT, 'examples/agent/setup.sh'), dir]);
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('merges api and docs, stops the runaway agent at its budget, and counts what each spent', async () => {
    const plan = await loadPlan(join(dir, 'plan.yaml'));
    const actors = new PersistedActors({ db: db.db });
    const status = await runPlan(actors, db.db, plan, { stateDir: join(dir, 'state'), heartbeatIntervalMs: 200, killGraceMs: 200 });
    const overthink = await actors.load('task', 'agent-demo-001.overthink');
    const triggers = (await actors.history('task', 'agent-demo-001.overthink')).map((r) => r.trigger);
    await actors.close();
    expect(status.state).toBe('failed');
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({ 'agent-demo-001.api': 'completed', 'agent-demo-001.docs': 'completed', 'agent-demo-001.runaway': 'failed' });
    expect(overthink.context['last_error']).toBe('budget exceeded: task overthink tokens 2524 > 2000');
    expect(triggers).toEqual(['create', 'scheduler_assigned', 'worker_started', 'execution_failed']);
    const { stdout } = await exec('git', ['-C', join(dir, 'repo'), 'show', 'main:src/greet.js', 'main:docs/greet.md']);
    expect(stdout).toBe('exports.greet = (name) => `hello, ${name}`;\n# greet(name) returns "hello, " followed by the name.\n');
    const usage = await runUsage(db.db, 'agent-demo-001');
    expect(usage.workstreams.get('agent-demo-001.runaway')).toMatchObject({ output_tokens: 2500 });
    expect(usage.run.input_tokens + usage.run.output_tokens).toBe(2604);
  }, 120_000);
});
