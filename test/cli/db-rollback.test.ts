import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { cliTarget, testDatabases, type CliTarget, dropCliSchema } from '../support/test-database.js';
import { runGantry } from './run-gantry.js';

// Issue 16, `gantry db rollback [--to NAME]` through the real CLI: undoes the last migration by default, every one
// after NAME with --to, refuses an unknown NAME listing the applied ones (exit 2, nothing undone), prints what it
// undid; `gantry db migrate` applies them again and the entities stored before are still there.

const NAMES = Object.keys(migrations);

describe.each(testDatabases())('gantry db rollback (%s)', (kind) => {
  let stateDir: string;
  let t: CliTarget;
  const gantry = (...args: string[]) => runGantry([...args, ...t.args], t.env);
  const pending = async () => (await gantry('db', 'status')).stdout.split('\n').filter((l) => l.includes('pending  ')).map((l) => l.trim().split(/\s+/)[1]);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'gantry-rollback-'));
    t = cliTarget(kind, stateDir);
    expect((await gantry('db', 'migrate')).code).toBe(0);
    expect((await gantry('entity', 'create', 'run', 'run-kept')).code).toBe(0);
  });
  afterAll(async () => {
    await dropCliSchema(t);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('undoes the last migration by default and says so', async () => {
    const r = await gantry('db', 'rollback');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`undid ${NAMES.at(-1)} on `);
    expect(r.stdout).toContain(`applied now: ${NAMES.at(-2)} (${NAMES.length - 1} of the migrations)`);
    expect(await pending()).toEqual([NAMES.at(-1)]);
  });

  it('refuses an unknown NAME with the list of applied migrations, undoing nothing', async () => {
    const r = await gantry('db', 'rollback', '--to', '0042_nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'0042_nope' is not an applied migration (applied: ${NAMES.slice(0, -1).join(', ')})`);
    expect(await pending()).toEqual([NAMES.at(-1)]);
  });

  it('--to NAME undoes every migration after NAME, newest first (--json)', async () => {
    const keep = NAMES.at(-4)!;
    const r = await gantry('db', 'rollback', '--to', keep, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ undone: [NAMES.at(-2), NAMES.at(-3)], applied: NAMES.slice(0, -3) });
    expect(await pending()).toEqual(NAMES.slice(-3));
  });

  it('db migrate applies them again, and the run stored before is still there', async () => {
    const r = await gantry('db', 'migrate');
    expect(r.stdout).toContain(`applied ${NAMES.slice(-3).join(', ')}`);
    const shown = await gantry('entity', 'show', 'run', 'run-kept', '--json');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'run-kept', state: 'pending', version: 1 });
  });
});
