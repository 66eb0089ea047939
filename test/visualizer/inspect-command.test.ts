import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childDone } from '../support/spawn-child.js';
import { GANTRY_BIN, ROOT, runGantry } from '../cli/run-gantry.js';

/** The environment without DATABASE_URL, so that `gantry` uses PGlite under --state-dir. */
function pgliteEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  delete env['GANTRY_DB_SCHEMA'];
  return env;
}

/** Starts `gantry inspect --port 0` and resolves with the child and the URL it printed. */
function startInspect(stateDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [GANTRY_BIN, 'inspect', '--port', '0', '--state-dir', stateDir], { cwd: ROOT, env: pgliteEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /gantry inspect: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('close', (code) => reject(new Error(`gantry inspect exited (${code}) before serving: ${err}`)));
  });
}

describe('gantry inspect (the command, on an embedded PGlite state directory)', () => {
  let stateDir: string;
  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gantry-inspect-'));
    expect((await runGantry(['db', 'migrate', '--state-dir', stateDir], pgliteEnv())).code).toBe(0);
    const created = await runGantry(['entity', 'create', 'circuit_breaker', 'breaker-9', '--state-dir', stateDir], pgliteEnv());
    expect(created.stderr).toBe('');
  });
  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('serves the page on 127.0.0.1 with recomputed hashes, refuses a second writer of the data directory (readers go through its socket), and stops on SIGTERM', async () => {
    const { child, url } = await startInspect(stateDir);
    const done = childDone(child);
    try {
      const status = (await (await fetch(`${url}/api/status`)).json()) as Record<string, unknown>;
      expect(status).toMatchObject({ ok: true, total: 1, verified: true, database: { kind: 'pglite' } });
      const history = (await (await fetch(`${url}/api/entity/circuit_breaker/breaker-9/history`)).json()) as Record<string, unknown>;
      expect(history).toMatchObject({ state: 'CLOSED', chain: 'intact' });
      // PGlite takes one process at a time: a command that would write (an engine, a migration) on the same state
      // directory is refused; one that reads goes through the socket the holder serves (issue 13).
      const second = await runGantry(['db', 'migrate', '--state-dir', stateDir], pgliteEnv());
      expect(second.code).not.toBe(0);
      expect(second.stderr).toMatch(/in use by process/);
      const reader = await runGantry(['history', 'circuit_breaker', 'breaker-9', '--state-dir', stateDir], pgliteEnv());
      expect(reader.code, reader.stderr).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM, stopping');
  });

  it('rejects a bad port with a usage error', async () => {
    const r = await runGantry(['inspect', '--port', 'eighty', '--state-dir', stateDir], pgliteEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be an integer/);
  });
});
