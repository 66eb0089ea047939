import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

// Issue 11: `gantry audit keygen`, `audit checkpoint` and `audit verify --key` from the shell; a verifier holding
// only the public key checks the signatures.
describe.each(testDatabases())('audit keygen, checkpoint and verify --key on %s', (kind) => {
  let dir: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  const gantry = (...a: string[]) => runGantry([...a, ...args], env);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-cli-ckpt-'));
    const { DATABASE_URL, GANTRY_AUDIT_KEY, ...rest } = process.env;
    schema = kind === 'postgres' ? uniqueSchemaName() : null;
    args = kind === 'pglite' ? ['--state-dir', join(dir, 'state')] : ['--db', DATABASE_URL!, '--state-dir', join(dir, 'state')];
    env = schema ? { ...rest, GANTRY_DB_SCHEMA: schema } : rest;
  });
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('keygen writes a 0600 key and refuses to overwrite it; checkpoint signs; verify with the public key checks it', async () => {
    const key = join(dir, 'keys', 'audit.pem');
    const made = await gantry('audit', 'keygen', '--key', key, '--json');
    expect(made.code, made.stderr).toBe(0);
    const { fingerprint, public_key: publicKey } = JSON.parse(made.stdout) as { fingerprint: string; public_key: string };
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    const again = await gantry('audit', 'keygen', '--key', key);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/already exists/)]);

    expect((await gantry('entity', 'create', 'task', 't1')).code).toBe(0);
    const c = await gantry('audit', 'checkpoint', '--key', key);
    expect([c.code, c.stdout]).toEqual([0, expect.stringMatching(new RegExp(`audit checkpoint \\d+: 1 chain heads .* signed with key ${fingerprint}`))]);

    const pub = join(dir, 'public.pem');
    await writeFile(pub, publicKey);
    const v = await gantry('audit', 'verify', '--key', pub);
    expect([v.code, v.stdout]).toEqual([0, expect.stringMatching(/checkpoints: 1 stored, 1 verified, 0 failed \(key [0-9a-f]{64}\)/)]);
    const pubOnly = await gantry('audit', 'checkpoint', '--key', pub);
    expect([pubOnly.code, pubOnly.stderr]).toEqual([2, expect.stringMatching(/only a public key/)]);
    // Without a key (none given, none at the default place) the heads are still compared; signatures unchecked.
    const keyless = await gantry('audit', 'verify');
    expect([keyless.code, keyless.stdout]).toEqual([0, expect.stringMatching(/1 with unchecked signatures \(no audit key found, signatures not checked/)]);
  }, 600_000);
});
