import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { createDatabase } from '../../persistence/index.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

/** The environment and global options that point the CLI at an isolated database of `kind`. */
async function target(kind: 'pglite' | 'postgres'): Promise<{ args: string[]; env: NodeJS.ProcessEnv; stateDir: string; cleanup: () => Promise<void> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gantry-cli-'));
  const { DATABASE_URL, ...rest } = process.env;
  if (kind === 'pglite') return { args: ['--state-dir', stateDir], env: rest, stateDir, cleanup: () => rm(stateDir, { recursive: true, force: true }) };
  const schema = uniqueSchemaName();
  return {
    args: ['--db', DATABASE_URL!, '--state-dir', stateDir],
    env: { ...rest, GANTRY_DB_SCHEMA: schema },
    stateDir,
    cleanup: async () => {
      const h = await createDatabase({ url: DATABASE_URL! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

describe.each(testDatabases())('entity, history and audit commands on %s', (kind) => {
  let t: Awaited<ReturnType<typeof target>>;
  const gantry = (...args: string[]) => runGantry([...args, ...t.args], t.env);
  beforeAll(async () => {
    t = await target(kind);
  });
  afterAll(async () => t.cleanup());

  it('db status says pending on a new database, db migrate applies, and again is a no-op', async () => {
    expect((await gantry('db', 'status')).code).toBe(1);
    expect((await gantry('db', 'migrate')).stdout).toMatch(/applied 0001_init/);
    expect((await gantry('db', 'migrate')).stdout).toMatch(/up to date/);
    const s = await gantry('db', 'status', '--json');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).migrations.map((m: { name: string }) => m.name)).toEqual(Object.keys(migrations));
  });

  it('creates, sends and shows an entity, with --json', async () => {
    const c = await gantry('entity', 'create', 'task', 'fix-1', '--input', '{"max_retries":1,"required_capabilities":["node"]}', '--json');
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ entity_type: 'task', id: 'fix-1', state: 'pending', version: 1, context: { max_retries: 1 } });
    expect((await gantry('entity', 'send', 'task', 'fix-1', 'scheduler_assigned')).stdout).toMatch(/task fix-1: queued \(version 2/);
    const token = JSON.parse((await gantry('operator', 'add', 'ops', '--json')).stdout).token as string;
    const s = await gantry('entity', 'send', 'task', 'fix-1', 'worker_started', '--data', '{"worker_id":"agent-1","worker_capabilities":["node"]}', '--expect-version', '2', '--operator', 'ops', '--token', token, '--reason', 'by hand');
    expect(s.code, s.stderr).toBe(0);
    const show = JSON.parse((await gantry('entity', 'show', 'task', 'fix-1', '--json')).stdout);
    expect(show).toMatchObject({ state: 'running', version: 3, context: { worker_id: 'agent-1' } });
  });

  it('refuses an invalid transition and a version conflict with exit 1, writing nothing', async () => {
    const bad = await gantry('entity', 'send', 'task', 'fix-1', 'scheduler_assigned');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/state 'running' has no edge for 'scheduler_assigned'/);
    const lock = await gantry('entity', 'send', 'task', 'fix-1', 'execution_completed', '--data', '{"exit_code":0}', '--expect-version', '2');
    expect(lock.code).toBe(1);
    expect(lock.stderr).toMatch(/expected version 2, found 3/);
    expect(JSON.parse((await gantry('entity', 'show', 'task', 'fix-1', '--json')).stdout).version).toBe(3);
  });

  it('rejects bad input with exit 2: unknown type, unknown id, bad id, malformed JSON, payload failing zod', async () => {
    const cases: [string[], RegExp][] = [
      [['entity', 'create', 'spaceship', 'x'], /unknown entity type 'spaceship'/],
      [['entity', 'show', 'task', 'nope'], /nope/],
      [['entity', 'create', 'task', 'bad!id'], /ids are/],
      [['entity', 'create', 'task', 'x', '--input', '{oops'], /--input is not valid JSON/],
      [['entity', 'create', 'task', 'x', '--input', '{"max_retries":"three"}'], /max_retries/],
      [['entity', 'send', 'task', 'fix-1', 'worker_started', '--data', '{"worker_id":"w 1","worker_capabilities":[]}'], /worker_id/],
      [['history', 'task', 'nope'], /nope/],
    ];
    for (const [args, message] of cases) {
      const r = await gantry(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect((await gantry('entity', 'show', 'task', 'x')).code).toBe(2);
  });

  it('prints the history with operator and reason, and --json with the hash chain', async () => {
    const h = await gantry('history', 'task', 'fix-1');
    expect(h.stdout).toMatch(/3 audit rows/);
    expect(h.stdout).toMatch(/queued\s+→ running\s+worker_started\s+\[info\]\s+by ops\s+\(by hand\)/);
    const rows = JSON.parse((await gantry('history', 'task', 'fix-1', '--json')).stdout).transitions;
    expect(rows.map((r: { to_state: string }) => r.to_state)).toEqual(['pending', 'queued', 'running']);
    expect(rows[1].prev_hash).toBe(rows[0].hash);
  });

  it('verifies and replays the audit, and wrote the JSONL lines after commit', async () => {
    const v = await gantry('audit', 'verify');
    expect([v.code, v.stdout]).toEqual([0, expect.stringMatching(/audit intact: 1 entities, 3 rows/)]);
    const r = await gantry('audit', 'replay', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, entities: 1, transitions: 2 });
    const lines = (await readFile(join(t.stateDir, 'transitions.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).to_state)).toEqual(['pending', 'queued', 'running']);
  });
});
