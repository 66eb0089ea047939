import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT, runGantry } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { makeSandbox, writeCmd, type EngineSandbox } from './engine-fixtures.js';

/** Global arguments and environment for one database kind: PGlite under the sandbox's state dir, or a fresh schema. */
function databaseArgs(kind: string, box: EngineSandbox, schemas: string[]): { args: string[]; env: NodeJS.ProcessEnv } {
  const { DATABASE_URL, ...rest } = process.env;
  if (kind === 'pglite') return { args: ['--state-dir', box.stateDir], env: rest };
  const schema = uniqueSchemaName();
  schemas.push(schema);
  return { args: ['--state-dir', box.stateDir, '--db', DATABASE_URL!], env: { ...rest, GANTRY_DB_SCHEMA: schema } };
}

/** A plan whose only task sleeps, so that the run lasts long enough to be scraped. */
async function slowPlan(box: EngineSandbox, runId: string): Promise<string> {
  const file = join(box.dir, `${runId}.json`);
  const plan = {
    run: { id: runId, phase: 'PH-1', repository: './repo', target_branch: 'main' },
    workstreams: [{ id: 'ws', tasks: [{ id: 'slow', command: 'sleep 2 && echo done > src/slow.txt' }, { id: 'then', command: writeCmd('src/b.js', '2;\n'), depends_on: ['slow'] }] }],
  };
  await writeFile(file, JSON.stringify(plan));
  return file;
}

/** Runs gantry as a child process, resolving the first standard-error line matching `pattern` and the exit. */
function startGantry(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): { url: Promise<string>; exit: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let found: (u: string) => void;
  const url = new Promise<string>((resolve) => (found = resolve));
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    const m = pattern.exec(stderr);
    if (m) found(m[1]!);
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  void exit.then((r) => found(`(exited ${r.code} before serving: ${r.stderr})`));
  return { url, exit };
}

describe.each(testDatabases())('gantry run --metrics-port / --inspect-port (%s)', (kind) => {
  const boxes: EngineSandbox[] = [];
  const schemas: string[] = [];
  afterAll(async () => {
    if (schemas.length > 0) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      for (const s of schemas) await sql`drop schema if exists ${sql.id(s)} cascade`.execute(h.db);
      await h.close();
    }
    for (const b of boxes) await b.cleanup();
  });

  it('serves /metrics while the run executes (state_transitions_total grows), prints the URL, closes it at the end', async () => {
    const box = await makeSandbox();
    boxes.push(box);
    const { args, env } = databaseArgs(kind, box, schemas);
    const g = startGantry(['run', await slowPlan(box, 'metrics-1'), '--metrics-port', '0', ...args], env, /gantry: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    const url = await g.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    let body = '';
    // Scrape until the engine's transitions show (the slow task keeps the run, and the server, alive meanwhile).
    const started = /^state_transitions_total\{entity_type="run",from_state="pending",to_state="running"\} 1$/m;
    for (let i = 0; i < 200 && !started.test(body); i++) {
      body = await (await fetch(url)).text();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(body).toMatch(started);
    expect(body).toMatch(/^state_transitions_total\{entity_type="worker",from_state="initializing",to_state="idle"\} 1$/m);
    const r = await g.exit;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run metrics-1: succeeded');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('serves the inspection page while the run executes, fed live by the engine’s own transitions', async () => {
    const box = await makeSandbox();
    boxes.push(box);
    const { args, env } = databaseArgs(kind, box, schemas);
    const g = startGantry(['run', await slowPlan(box, 'inspect-1'), '--inspect-port', '0', ...args], env, /gantry: inspect on (http:\/\/127\.0\.0\.1:\d+\/?)/);
    const url = await g.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const status = (await (await fetch(new URL('/api/status', url))).json()) as { ok: boolean; live: { source: string } };
    expect(status.ok).toBe(true);
    expect(status.live.source).toBe('engine');
    const r = await g.exit;
    expect(r.code, r.stderr).toBe(0);
  });

  it('refuses a bad port with a usage error (exit 2) before anything is written', async () => {
    const box = await makeSandbox();
    boxes.push(box);
    const { args, env } = databaseArgs(kind, box, schemas);
    const plan = await slowPlan(box, 'badport-1');
    const a = await runGantry(['run', plan, '--metrics-port', '70000', ...args], env);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--metrics-port must be an integer from 0 to 65535, not '70000'");
    const b = await runGantry(['run', plan, '--inspect-port', 'x1', ...args], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--inspect-port must be an integer from 0 to 65535, not 'x1'");
    // Nothing was written: on PostgreSQL the run is unknown (exit 2); on PGlite not even a database was created (exit 1).
    const s = await runGantry(['status', 'badport-1', ...args], env);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toMatch(/badport-1.*does not exist|no Gantry database/);
  });
});
