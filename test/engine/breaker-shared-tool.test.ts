import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { runPlan, type RunStatus } from '../../engine/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases, type TestDatabase } from '../support/test-database.js';
import { engineSuite, type EngineSandbox } from './engine-fixtures.js';

/** Runs `plan` in the sandbox; heartbeats every second, so a loaded machine does not make the watchdog fail a call. */
async function runShared(box: EngineSandbox, db: TestDatabase, plan: Record<string, unknown>): Promise<{ status: RunStatus }> {
  const file = join(box.dir, 'plan.json');
  await writeFile(file, JSON.stringify({ retry: { backoff_base_ms: 10, backoff_cap_ms: 40 }, ...plan, run: { phase: 'PH-1', repository: './repo', target_branch: 'main', ...(plan['run'] as object) } }));
  const actors = new PersistedActors({ db: db.db });
  const status = await runPlan(actors, db.db, await loadPlan(file), { stateDir: box.stateDir, heartbeatIntervalMs: 1000, killGraceMs: 200 });
  await actors.close();
  return { status };
}

/**
 * A node script: the first call (no `<name>.tried` in `dir`) marks itself, waits until `peer` tried too (so both
 * first calls fail together; no peer: a second, while the other task gets queued), and exits 1; a later call takes `dir/inflight` exclusively (it fails when another
 * call of the tool is running), holds it a moment, writes `src/<name>.js`, and lets it go.
 */
function flakyCall(dir: string, name: string, peer: string | null): string[] {
  const code = `
const fs = require('fs'), p = require('path'); const d = ${JSON.stringify(dir)};
const mine = p.join(d, ${JSON.stringify(name)} + '.tried');
if (!fs.existsSync(mine)) {
  fs.writeFileSync(mine, '');
  const peer = ${JSON.stringify(peer)};
  const until = Date.now() + 20000;
  const wait = () => { if ((peer === null && Date.now() > until - 19000) || fs.existsSync(p.join(d, peer + '.tried')) || Date.now() > until) process.exit(1); setTimeout(wait, 20); };
  wait();
} else {
  const fd = fs.openSync(p.join(d, 'inflight'), 'wx');
  setTimeout(() => { fs.mkdirSync('src', { recursive: true }); fs.writeFileSync('src/' + ${JSON.stringify(name)} + '.js', '1;\\n'); fs.closeSync(fd); fs.unlinkSync(p.join(d, 'inflight')); }, 300);
}`;
  return ['node', '-e', code];
}

describe.each(testDatabases())('a circuit breaker shared by two workstreams (SSOT §2.4) on %s', (kind) => {
  const suite = engineSuite(kind);

  it('two calls failing together with failure_threshold 1 do not abort the run; HALF_OPEN lets one trial through at a time', async () => {
    const box = await suite.sandbox();
    const { status } = await runShared(box, suite.db, {
      run: { id: 'brk2' },
      sandbox: 'none', // the calls coordinate through files beside the repository
      workers: { orchestration: [{ id: 'agent', count: 2 }] },
      circuit_breakers: { tools: { flaky: { failure_threshold: 1, cooldown_seconds: 0.2 } } },
      workstreams: [
        { id: 'a', tasks: [{ id: 'ta', tool: 'flaky', max_retries: 1, command: flakyCall(box.dir, 'ta', 'tb') }] },
        { id: 'b', tasks: [{ id: 'tb', tool: 'flaky', max_retries: 1, command: flakyCall(box.dir, 'tb', 'ta') }] },
      ],
    });
    // Both retries ran, one after the other: a second call in HALF_OPEN would have found `inflight` taken and failed.
    expect(status.state).toBe('succeeded');
    expect(Object.fromEntries(status.tasks.map((t) => [t.id, t.state]))).toEqual({ 'brk2.ta': 'completed', 'brk2.tb': 'completed' });
    const actors = new PersistedActors({ db: suite.db.db });
    const moves = (await actors.history('circuit_breaker', 'brk2.flaky')).filter((r) => r.fromState !== r.toState).map((r) => `${r.fromState}->${r.toState}`);
    expect(moves).toEqual(['null->CLOSED', 'CLOSED->OPEN', 'OPEN->HALF_OPEN', 'HALF_OPEN->CLOSED']);
    await actors.close();
  });

  it('an OPEN breaker rejects a queued call at once, saying the seconds of cooldown that remain (the task shows it)', async () => {
    const box = await suite.sandbox();
    const { status } = await runShared(box, suite.db, {
      run: { id: 'brk1' },
      sandbox: 'none', // the calls coordinate through files beside the repository
      workers: { orchestration: [{ id: 'agent', count: 1 }] },
      circuit_breakers: { tools: { flaky: { failure_threshold: 1, cooldown_seconds: 0.5 } } },
      workstreams: [
        { id: 'a', tasks: [{ id: 'ta', tool: 'flaky', max_retries: 5, command: flakyCall(box.dir, 'ta', null) }] },
        { id: 'b', tasks: [{ id: 'tb', tool: 'flaky', max_retries: 5, command: flakyCall(box.dir, 'tb', null) }] },
      ],
    });
    expect(status.state).toBe('succeeded');
    const actors = new PersistedActors({ db: suite.db.db });
    // Whichever task ran first failed and opened the breaker; the other, queued behind it for the one worker, was
    // rejected without running, with the reason, and retried after the cooldown.
    const errors = [];
    for (const t of ['brk1.ta', 'brk1.tb']) {
      for (const r of await actors.history('task', t)) if (r.trigger === 'execution_failed') errors.push(String((r.metadata['event'] as { error?: string }).error));
    }
    expect(errors.some((e) => /circuit breaker 'flaky' is OPEN: call rejected, \d+ s of cooldown remain/.test(e))).toBe(true);
    await actors.close();
  });
});
