import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineCatalog } from '../../machines/index.js';
import { createDatabase, type DatabaseHandle } from '../../persistence/index.js';
import { cliTarget, testDatabases, type CliTarget, dropCliSchema } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

// Issue 16, `gantry db migrate-snapshots` through the real CLI: test gates stored before manual gates (machine
// version 59671e32159a, no `approvers`) are migrated by the registered migration with an audit row each, counted per
// machine and version; a terminal one is left as stored (migrated on read); an entity of a version no migration
// knows is refused by name with both versions (exit 1) and left as stored; --dry-run writes nothing; a second run
// finds nothing more; `gantry audit verify` holds and `gantry entity send` continues a migrated gate.

const OLD = '59671e32159a';
const CURRENT = machineCatalog.test_gate.version;

describe.each(testDatabases())('gantry db migrate-snapshots (%s)', (kind) => {
  let stateDir: string;
  let t: CliTarget;
  const gantry = (...args: string[]) => runGantry([...args, ...t.args], t.env);
  /** The CLI's database, opened by the test between CLI runs (never while one runs). */
  async function withDb<T>(fn: (h: DatabaseHandle) => Promise<T>): Promise<T> {
    const h = await createDatabase(t.schema ? { url: process.env['DATABASE_URL']!, schema: t.schema } : { stateDir });
    try {
      return await fn(h);
    } finally {
      await h.close();
    }
  }
  /**
   * Rewrites a stored gate as the machine of version `version` left it: without `approvers` (with the row triggers
   * off for this transaction, since a terminal row never changes: this is the row the older build wrote).
   */
  const storeAsOld = (versions: Readonly<Record<string, string>>) =>
    withDb((h) =>
      h.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(trx);
        for (const [id, version] of Object.entries(versions)) {
          await sql`UPDATE test_gates SET snapshot = jsonb_set(snapshot, '{context}', (snapshot->'context') - 'approvers'), machine_version = ${version} WHERE id = ${id}`.execute(trx);
        }
      }),
    );
  const row = (id: string) =>
    withDb(async (h) => (await sql<{ version: number; machine_version: string; context: Record<string, unknown> }>`
      SELECT version, machine_version, snapshot->'context' AS context FROM test_gates WHERE id = ${id}`.execute(h.db)).rows[0]!);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gantry-snapmig-'));
    t = cliTarget(kind, stateDir);
    expect((await gantry('db', 'migrate')).code).toBe(0);
    for (const id of ['gate-a', 'gate-b', 'gate-done', 'gate-future']) {
      expect((await gantry('entity', 'create', 'test_gate', id, '--input', '{"gate_type":"UNIT"}')).code).toBe(0);
    }
    expect((await gantry('entity', 'send', 'test_gate', 'gate-done', 'start')).code).toBe(0);
    expect((await gantry('entity', 'send', 'test_gate', 'gate-done', 'command_succeeded', '--data', '{"exit_code":0}')).code).toBe(0);
    await storeAsOld({ 'gate-a': OLD, 'gate-b': OLD, 'gate-done': OLD, 'gate-future': 'ffffffffffff' });
  }, 180_000);
  afterAll(async () => {
    await dropCliSchema(t);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('refuses to load the unknown version by name, with both versions', async () => {
    const r = await gantry('entity', 'show', 'test_gate', 'gate-future');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`test_gate gate-future was persisted by machine version ffffffffffff, this build runs ${CURRENT}, and no snapshot migration leads from ffffffffffff to ${CURRENT}`);
  });

  it('--dry-run counts per machine and version, lists the refused entity, exits 1, and writes nothing', async () => {
    const r = await gantry('db', 'migrate-snapshots', '--dry-run');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`test_gate ${OLD} → ${CURRENT}: would migrate 2, terminal 1 (migrated on read), refused 0`);
    expect(r.stdout).toContain(`test_gate ffffffffffff → ${CURRENT}: would migrate 0, terminal 0 (migrated on read), refused 1`);
    expect(r.stdout).toContain(`refused: test_gate gate-future was persisted by machine version ffffffffffff, this build runs ${CURRENT}`);
    expect(await row('gate-a')).toMatchObject({ version: 1, machine_version: OLD });
  });

  it('migrates the old gates with an audit row each, leaves the refused one and the terminal one as stored, and is idempotent', async () => {
    const r = await gantry('db', 'migrate-snapshots');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`test_gate ${OLD} → ${CURRENT}: migrated 2, terminal 1 (migrated on read), refused 0`);
    expect(r.stdout).toContain('1 entity left as stored');
    for (const id of ['gate-a', 'gate-b']) expect(await row(id)).toMatchObject({ version: 2, machine_version: CURRENT, context: { approvers: [] } });
    expect(await row('gate-done')).toMatchObject({ version: 3, machine_version: OLD });
    expect(await row('gate-future')).toMatchObject({ version: 1, machine_version: 'ffffffffffff' });
    const history = await gantry('history', 'test_gate', 'gate-a', '--json');
    expect(history.stdout).toContain('"trigger":"snapshot_migration"');

    const again = await gantry('db', 'migrate-snapshots', '--json');
    expect(again.code).toBe(1);
    const parsed = JSON.parse(again.stdout) as { counts: { from: string; migrated: number; terminal: number; refused: number }[]; refused: { id: string }[] };
    expect(parsed.counts).toEqual([
      { entityType: 'test_gate', from: OLD, to: CURRENT, migrated: 0, terminal: 1, refused: 0 },
      { entityType: 'test_gate', from: 'ffffffffffff', to: CURRENT, migrated: 0, terminal: 0, refused: 1 },
    ]);
    expect(parsed.refused.map((x) => x.id)).toEqual(['gate-future']);
  });

  it('the audit chain verifies, the terminal gate reads migrated, and a migrated gate takes its next event', async () => {
    const verify = await gantry('audit', 'verify');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const shown = await gantry('entity', 'show', 'test_gate', 'gate-done', '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ state: 'PASSED', machine_version: OLD, context: { approvers: [] } });
    const sent = await gantry('entity', 'send', 'test_gate', 'gate-a', 'start');
    expect(sent.code, sent.stderr).toBe(0);
    expect(await row('gate-a')).toMatchObject({ version: 3, machine_version: CURRENT });
  });

  it('once the unknown entity is gone, the run exits 0 and has nothing left to do; every chain replays', async () => {
    await withDb(async (h) => {
      await sql`UPDATE test_gates SET snapshot = jsonb_set(snapshot, '{context,approvers}', '[]'::jsonb), machine_version = ${CURRENT} WHERE id = 'gate-future'`.execute(h.db);
    });
    const r = await gantry('db', 'migrate-snapshots');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`test_gate ${OLD} → ${CURRENT}: migrated 0, terminal 1 (migrated on read), refused 0`);
    const replay = await gantry('audit', 'replay');
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
  });
});
