import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAuditKey, PersistedActors, verifyAudit } from '../../actors/index.js';
import { runPlan, type EngineOptions } from '../../engine/index.js';
import { loadPlan } from '../../plan/index.js';
import { testDatabases } from '../support/test-database.js';
import { engineSuite, writeCmd, type EngineSandbox } from './engine-fixtures.js';

// Issue 11: the engine takes a signed audit checkpoint when each run ends; without a usable key it says so in a
// note and the run is not failed for it.
describe.each(testDatabases())('a signed audit checkpoint at the end of each run (%s)', (kind) => {
  const suite = engineSuite(kind);
  let box: EngineSandbox;
  beforeAll(async () => {
    delete process.env['GANTRY_AUDIT_KEY'];
    box = await suite.sandbox();
  });

  async function run(id: string, options: Partial<EngineOptions> = {}): Promise<{ state: string; notes: string[] }> {
    const file = join(box.dir, `${id}.json`);
    await writeFile(file, JSON.stringify({
      run: { id, phase: 'PH-1', repository: './repo', target_branch: 'main' },
      workers: { orchestration: [{ id: 'agent', count: 1, capabilities: [] }] },
      workstreams: [{ id: 'ws', tasks: [{ id: 'one', command: writeCmd(`src/${id}.js`, `export const x = '${id}';\n`) }] }],
    }));
    const notes: string[] = [];
    const actors = new PersistedActors({ db: suite.db.db });
    try {
      const status = await runPlan(actors, suite.db.db, await loadPlan(file), { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200, onNote: (n) => notes.push(n), ...options });
      return { state: status.state, notes };
    } finally {
      await actors.close();
    }
  }

  it('creates the default key (mode 0600) on first use and stores a checkpoint of every head that verifies', async () => {
    const r = await run('first');
    expect(r.state).toBe('succeeded');
    const keyFile = join(box.stateDir, 'audit-key.pem');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(r.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^audit checkpoint \d+: \d+ chain heads signed/)]));
    const rows = await suite.db.db.selectFrom('audit_checkpoints').select(['run_id', 'head_count']).execute();
    const heads = await suite.db.db.selectFrom('state_transitions').select(['entity_type', 'entity_id']).distinct().execute();
    expect(rows).toEqual([{ run_id: 'first', head_count: heads.length }]);
    const key = await loadAuditKey(keyFile);
    expect(await verifyAudit(suite.db.db, { key })).toMatchObject({ ok: true, checkpoints: { total: 1, verified: 1, failed: [] } });
  }, 300_000);

  it('without a usable key the run still succeeds, with a note and no checkpoint', async () => {
    const r = await run('keyless', { auditKey: join(box.dir, 'no-such-dir', 'audit-key.pem') });
    expect(r.state).toBe('succeeded');
    expect(r.notes).toEqual(expect.arrayContaining([expect.stringMatching(/no audit checkpoint for run keyless: audit key .*no-such-dir.* cannot be read/)]));
    expect((await suite.db.db.selectFrom('audit_checkpoints').select('run_id').execute()).map((c) => c.run_id)).toEqual(['first']);
  }, 300_000);
});
