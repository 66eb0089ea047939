import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../git/index.js';
import { createDatabase } from '../../persistence/index.js';
import { ROOT, runGantry } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';

const exec = promisify(execFile);

describe.each(testDatabases())('gantry run / status on the example plan (%s)', (kind) => {
  let dir: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-demo-'));
    await exec('sh', [join(ROOT, 'examples/demo/setup.sh'), dir]);
    const { DATABASE_URL, ...rest } = process.env;
    args = ['--state-dir', join(dir, 'state')];
    env = rest;
    if (kind === 'postgres') {
      schema = uniqueSchemaName();
      args.push('--db', DATABASE_URL!);
      env = { ...rest, GANTRY_DB_SCHEMA: schema };
    }
  });
  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the demo: core and docs merged, the quarantined and gate-failed workstreams fail, exit 1 by R-1', async () => {
    const r = await runGantry(['run', join(dir, 'plan.yaml'), ...args], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('task            demo-001.flaky-once: running → retrying (execution_failed)');
    expect(r.stdout).toContain('patch_ledger    demo-001.leak-key.p1: created → quarantined (validation_failed)');
    expect(r.stdout).toContain('test_gate       demo-001.try-feature.integration.a1: PENDING → BLOCKED (dependency_failed)');
    expect(r.stdout).toContain('run demo-001: failed');
    // Issue 13: the summary says why each workstream failed and that the plan expected it (expect: failure).
    expect(r.stdout).toContain('workstream demo-001.secrets: failed  [expected: the plan marks it expect: failure]');
    expect(r.stdout).toContain('task leak-key failed: patch quarantined: constraints: src/server.pem: matches a forbidden glob');
    expect(r.stdout).toContain('security FAILED: exit code 1: audit found a problem');
    expect(r.stdout).toMatch(/^ {2}by design: every failed workstream is marked expect: failure in the plan/m);
    const tree = (await runGit(join(dir, 'repo'), ['ls-tree', '-r', '--name-only', 'main'])).stdout.trim().split('\n');
    expect(tree).toEqual(['.gitignore', 'docs/greet.md', 'package.json', 'src/greet.js', 'src/index.js', 'src/version.js', 'test/greet.test.js']);

    const s = await runGantry(['status', '--json', ...args], env);
    expect(s.code, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout) as { runId: string; state: string; workstreams: { id: string; state: string }[] };
    expect(status.runId).toBe('demo-001');
    expect(Object.fromEntries(status.workstreams.map((w) => [w.id, w.state]))).toEqual({
      'demo-001.core': 'completed',
      'demo-001.docs': 'completed',
      'demo-001.secrets': 'failed',
      'demo-001.experimental': 'failed',
    });

    const again = await runGantry(['run', join(dir, 'plan.yaml'), ...args], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('run demo-001 already exists');
    expect((await runGantry(['status', 'nope', ...args], env)).code).toBe(2);
  }, 180_000); // the demo through the real CLI: ~25 s on a quiet machine, several CLI starts after it

  it('a bad plan exits 2 and writes nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'run: { id: bad-1, phase: P, repository: ./repo }\nworkstreams:\n  - id: a\n    tasks:\n      - { id: t, command: "true", depends_on: [missing] }\n');
    const r = await runGantry(['run', bad, ...args], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown task 'missing'");
    const s = await runGantry(['status', 'bad-1', '--json', ...args], env);
    expect(s.code).toBe(2);
  });
});
