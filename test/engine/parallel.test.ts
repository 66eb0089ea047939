import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAudit, verifyAudit } from '../../actors/index.js';
import { runGit } from '../../git/index.js';
import { openTestDatabase, testDatabases, type TestDatabase } from '../support/test-database.js';
import { makeSandbox, runSandboxPlan, type EngineSandbox } from './engine-fixtures.js';

/**
 * A task that writes `src/<me>.js`, announces itself in the rendezvous folder, then waits (up to 20 s) for `other` to
 * announce itself: it succeeds only when both tasks run at the same time.
 */
function rendezvousCmd(dir: string, me: string, other: string): string[] {
  const code = [
    `const fs=require('fs');fs.mkdirSync('src',{recursive:true});fs.writeFileSync('src/${me}.js','export const ${me} = 1;\\n');`,
    `fs.writeFileSync(${JSON.stringify(join(dir, me))},'');const end=Date.now()+20000;`,
    `(function wait(){if(fs.existsSync(${JSON.stringify(join(dir, other))}))process.exit(0);if(Date.now()>end)process.exit(3);setTimeout(wait,10);})();`,
  ].join('');
  return ['node', '-e', code];
}

/** The most tasks `running` at once, replayed from the audit log in commit order. */
async function maxRunning(db: TestDatabase): Promise<number> {
  const rows = await db.db.selectFrom('state_transitions').select(['from_state', 'to_state']).where('entity_type', '=', 'task').orderBy('id').execute();
  let now = 0;
  let max = 0;
  for (const r of rows) {
    if (r.to_state === 'running' && r.from_state !== 'running') now++;
    if (r.from_state === 'running' && r.to_state !== 'running') now--;
    max = Math.max(max, now);
  }
  return max;
}

describe.each(testDatabases())('parallel workstreams (%s)', (kind) => {
  let db: TestDatabase;
  let box: EngineSandbox;
  let rv: string;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    box = await makeSandbox();
    rv = await mkdtemp(join(tmpdir(), 'gantry-rendezvous-'));
  });
  afterAll(async () => {
    await db?.close();
    await box?.cleanup();
    await rm(rv, { recursive: true, force: true });
  });

  it('runs tasks of different workstreams at the same time, bounded by the pools (count × max_concurrent_tasks), each claimed once', async () => {
    const { status } = await runSandboxPlan(box, db, {
      run: { id: 'par' },
      sandbox: { read_write: [rv] }, // the rendezvous folder, outside the worktrees
      patch_rules: { allowed_paths: ['src/**'] },
      workers: { orchestration: [{ id: 'agent', count: 2, capabilities: ['node'] }], uet: { count: 2 } },
      workstreams: [
        { id: 'left', tasks: [{ id: 'meet-l', command: rendezvousCmd(rv, 'left', 'right'), max_retries: 0 }] },
        { id: 'right', tasks: [{ id: 'meet-r', command: rendezvousCmd(rv, 'right', 'left'), max_retries: 0 }] },
        { id: 'third', tasks: [{ id: 'solo', command: ['node', '-e', "require('fs').writeFileSync('src/third.js','3\\n')"] }] },
      ],
    });
    expect(status.state).toBe('succeeded');
    expect(status.tasks.map((t) => [t.id, t.state])).toEqual([
      ['par.meet-l', 'completed'],
      ['par.meet-r', 'completed'],
      ['par.solo', 'completed'],
    ]);
    // Two workers of capacity 1: at most two tasks ran at once, and the rendezvous proves two did.
    expect(await maxRunning(db)).toBe(2);
    // Every task got to its worker through one claim (worker_started), once.
    const starts = await db.db.selectFrom('state_transitions').select(['entity_id']).where('trigger', '=', 'worker_started').orderBy('entity_id').execute();
    expect(starts.map((s) => s.entity_id)).toEqual(['par.meet-l', 'par.meet-r', 'par.solo']);
    const tree = (await runGit(box.repo, ['ls-tree', '-r', '--name-only', 'main'])).stdout.trim().split('\n');
    expect(tree).toEqual(['src/app.js', 'src/left.js', 'src/right.js', 'src/third.js']);
    expect((await verifyAudit(db.db)).ok).toBe(true);
    expect((await replayAudit(db.db)).mismatches).toEqual([]);
  });
});
