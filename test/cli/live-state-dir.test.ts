import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, PGLITE_SOCKET_NAME } from '../../persistence/index.js';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import { GANTRY_BIN, ROOT, runGantry, type GantryResult } from './run-gantry.js';

// Issue 13, "a live embedded run can be looked at": while `gantry run` holds a PGlite state directory, the read
// commands of a second process (status, history, logs, stuck, metrics, inspect) reach its database through the
// socket the run serves in the state directory, read-only; a write needs an authenticated operator; when the run
// ends the socket is gone and commands open the directory themselves. On PostgreSQL the same commands work beside
// the run as they always did (the assertions on the socket are PGlite's).

/** Starts a long-lived gantry child; resolves `line` with the first standard-output line matching `pattern`. */
function startGantry(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): { child: ChildProcess; line: Promise<string>; exit: Promise<GantryResult> } {
  const child = spawn(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let found!: (line: string) => void;
  const line = new Promise<string>((resolve) => (found = resolve));
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    const m = pattern.exec(stdout);
    if (m) found(m[0]);
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<GantryResult>((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  void exit.then((r) => found(`(exited ${r.code}: ${r.stderr})`));
  return { child, line, exit };
}

const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.each(testDatabases())('a live run can be looked at from another process (%s)', (kind) => {
  let box: EngineSandbox;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  let token: string;
  let run: ReturnType<typeof startGantry>;
  const go = () => join(box.dir, 'go');
  const gantry = (...a: string[]) => runGantry([...a, ...args], env);

  beforeAll(async () => {
    box = await makeSandbox();
    const { DATABASE_URL, GANTRY_OPERATOR, GANTRY_OPERATOR_TOKEN, ...rest } = process.env;
    args = ['--state-dir', box.stateDir];
    env = rest;
    if (kind === 'postgres') {
      schema = uniqueSchemaName();
      args.push('--db', DATABASE_URL!);
      env = { ...rest, GANTRY_DB_SCHEMA: schema };
    }
    token = JSON.parse((await gantry('operator', 'add', 'ops', '--json')).stdout).token as string;
    const plan = {
      run: { id: 'live', phase: 'PH-1', repository: './repo', target_branch: 'main' },
      sandbox: 'none',
      workstreams: [
        {
          id: 'ws',
          tasks: [
            { id: 'first', command: ['sh', '-c', "echo 'first says hello'; echo 1 > src/first.js"] },
            { id: 'wait', depends_on: ['first'], command: ['sh', '-c', `while [ ! -e '${go()}' ]; do sleep 0.05; done; echo 2 > src/wait.js`] },
            { id: 'last', depends_on: ['wait'], command: writeCmd('src/last.js', '3;\n') },
          ],
        },
      ],
    };
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(plan));
    run = startGantry(['run', join(box.dir, 'plan.json'), ...args], env, /task\s+live\.wait: \S+ → running/);
    expect(await run.line).toMatch(/live\.wait/);
  }, 240_000);

  afterAll(async () => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    if (schema) {
      const h = await createDatabase({ url: process.env['DATABASE_URL']! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await box?.cleanup();
  });

  it('serves its database on a socket in the state directory, owner only (PGlite)', () => {
    if (kind !== 'pglite') return;
    const socket = join(box.stateDir, PGLITE_SOCKET_NAME);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it('status --json, history, logs and stuck answer during the run', async () => {
    const status = await gantry('status', 'live', '--json');
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as { state: string; tasks: { id: string; state: string }[] };
    expect(s.state).toBe('running');
    expect(s.tasks.find((t) => t.id === 'live.first')?.state).toBe('completed');
    expect(s.tasks.find((t) => t.id === 'live.wait')?.state).toBe('running');

    const history = await gantry('history', 'task', 'live.wait');
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/running/);

    const logs = await gantry('logs', 'live.first');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('first says hello');

    const stuck = await gantry('stuck', '--json');
    expect(stuck.code, stuck.stderr).toBe(0);
    expect(() => JSON.parse(stuck.stdout)).not.toThrow();
  }, 120_000);

  it('several readers at once all answer', async () => {
    const all = await Promise.all([gantry('status', 'live', '--json'), gantry('status', 'live'), gantry('history', 'run', 'live'), gantry('stuck')]);
    for (const r of all) expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('gantry metrics and gantry inspect serve during the run', async () => {
    const metrics = startGantry(['metrics', '--port', '0', ...args], env, /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    const murl = /http:\/\/\S+/.exec(await metrics.line)?.[0];
    expect(murl, await metrics.line).toBeDefined();
    const body = await (await fetch(murl!)).text();
    expect(body).toMatch(/^entity_state\{entity_type="task",state="running"\} 1$/m);
    metrics.child.kill('SIGTERM');
    expect((await metrics.exit).code).toBe(0);

    const inspect = startGantry(['inspect', '--port', '0', ...args], env, /gantry inspect: (http:\/\/127\.0\.0\.1:\d+\/?)/);
    const iurl = /http:\/\/127\.0\.0\.1:\d+/.exec(await inspect.line)?.[0];
    expect(iurl, await inspect.line).toBeDefined();
    const api = (await (await fetch(`${iurl}/api/status`)).json()) as { ok: boolean; total: number };
    expect(api.ok).toBe(true);
    expect(api.total).toBeGreaterThan(0);
    inspect.child.kill('SIGINT');
    expect((await inspect.exit).code).toBe(0);
  }, 120_000);

  it('a write needs an authenticated operator: refused without one (PGlite: the socket reads only), done with one', async () => {
    if (kind === 'pglite') {
      const anonymous = await gantry('entity', 'create', 'circuit_breaker', 'live-tool-a');
      expect(anonymous.code).toBe(1);
      expect(anonymous.stderr).toMatch(/held by the live process \d+.*--operator NAME with its token.*nothing written/s);
    }
    const wrong = await gantry('entity', 'create', 'circuit_breaker', 'live-tool-b', '--operator', 'ops', '--token', 'not-the-token');
    expect(wrong.code).toBe(1);
    const ok = await gantry('entity', 'create', 'circuit_breaker', 'live-tool-c', '--operator', 'ops', '--token', token, '--reason', 'seen during a live run', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('live-tool-c');
  }, 120_000);

  it('after the run the socket is gone and commands open the directory themselves', async () => {
    await writeFile(go(), '');
    const r = await run.exit;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run live: succeeded');
    expect(existsSync(join(box.stateDir, PGLITE_SOCKET_NAME))).toBe(false);
    const status = await gantry('status', 'live', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { state: string }).state).toBe('succeeded');
    await until(async () => !existsSync(join(box.stateDir, 'pgdata.lock')), 'the lock to go');
  }, 120_000);
});
