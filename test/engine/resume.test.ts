import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../git/index.js';
import { createDatabase } from '../../persistence/index.js';
import { GANTRY_BIN, ROOT, runGantry } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName, type TestDatabaseKind } from '../support/test-database.js';
import { makeSandbox, slowWriteCmd, writeCmd, type EngineSandbox } from './engine-fixtures.js';

const PLAN = {
  run: { id: 'rs', phase: 'PH-1', repository: './repo', target_branch: 'main' },
  retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
  patch_rules: { allowed_paths: ['src/**'] },
  workers: { orchestration: [{ id: 'agent', count: 2, capabilities: ['node'] }] },
  workstreams: [
    {
      id: 'core',
      critical: true,
      gates: [{ id: 'has-a', type: 'LINT', command: 'test -f src/a.js' }],
      tasks: [
        { id: 'write-a', command: writeCmd('src/a.js', 'export const a = 1;\n') },
        { id: 'slow-b', command: slowWriteCmd('src/b.js', 'export const b = 2;\n', 2000), depends_on: ['write-a'], gates: ['has-a'], max_retries: 2 },
      ],
    },
    { id: 'docs', depends_on: ['core'], tasks: [{ id: 'write-d', command: writeCmd('src/d.md', '# d\n') }] },
  ],
};
const SLOW_RUNNING = 'task            rs.slow-b: queued → running (worker_started)';

/** One sandbox with its own state directory and, on PostgreSQL, its own schema. */
interface Side {
  box: EngineSandbox;
  args: string[];
  env: NodeJS.ProcessEnv;
  schema: string | null;
}

async function side(kind: TestDatabaseKind): Promise<Side> {
  const box = await makeSandbox();
  await writeFile(join(box.dir, 'plan.json'), JSON.stringify(PLAN, null, 2));
  const { DATABASE_URL, ...rest } = process.env;
  if (kind === 'pglite') return { box, args: ['--state-dir', box.stateDir], env: rest, schema: null };
  const schema = uniqueSchemaName();
  return { box, args: ['--state-dir', box.stateDir, '--db', DATABASE_URL!], env: { ...rest, GANTRY_DB_SCHEMA: schema }, schema };
}

/** Starts `gantry run` and sends `signal` once the slow task is running; resolves with the exit code and output. */
function runAndSignal(s: Side, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GANTRY_BIN, 'run', join(s.box.dir, 'plan.json'), ...s.args], { cwd: ROOT, env: s.env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes(SLOW_RUNNING)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The outcome to compare: run, workstream and task states by id, and the target branch's tree (paths and blobs). */
async function outcome(s: Side): Promise<{ states: Record<string, string>; tree: string }> {
  const r = await runGantry(['status', 'rs', '--json', ...s.args], s.env);
  expect(r.code, r.stderr).toBe(0);
  const st = JSON.parse(r.stdout) as { runId: string; state: string; workstreams: { id: string; state: string }[]; tasks: { id: string; state: string }[] };
  const states = Object.fromEntries([[st.runId, st.state], ...[...st.workstreams, ...st.tasks].map((e) => [e.id, e.state])]);
  return { states, tree: (await runGit(s.box.repo, ['ls-tree', '-r', 'main'])).stdout };
}

async function expectAuditSound(s: Side): Promise<void> {
  for (const cmd of [['audit', 'verify'], ['audit', 'replay']]) {
    const r = await runGantry([...cmd, ...s.args], s.env);
    expect(r.code, `${cmd.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  }
}

// Each case runs several real CLI processes over a real repository: generous time, never a timing assertion.
const SLOW = 240_000;

describe.each(testDatabases())('gantry resume after SIGKILL and Ctrl-C (%s)', (kind) => {
  const sides: Side[] = [];
  let reference: { states: Record<string, string>; tree: string };
  beforeAll(async () => {
    const s = await side(kind);
    sides.push(s);
    const r = await runGantry(['run', join(s.box.dir, 'plan.json'), ...s.args], s.env);
    expect(r.code, r.stderr).toBe(0);
    reference = await outcome(s);
  }, SLOW);
  afterAll(async () => {
    for (const s of sides) {
      if (s.schema) {
        const h = await createDatabase({ url: process.env['DATABASE_URL']! });
        await sql`drop schema if exists ${sql.id(s.schema)} cascade`.execute(h.db);
        await h.close();
      }
      await s.box.cleanup();
    }
  });

  it('the uninterrupted reference run succeeds with every change merged', () => {
    expect(reference.states['rs']).toBe('succeeded');
    expect(reference.tree).toContain('src/b.js');
    expect(reference.tree).toContain('src/d.md');
  });

  it('SIGKILL mid-task, then resume: the lost task retries and the run reaches the same outcome', async () => {
    const s = await side(kind);
    sides.push(s);
    const killed = await runAndSignal(s, 'SIGKILL');
    expect(killed.code).toBeNull();
    const mid = await runGantry(['status', 'rs', '--json', ...s.args], s.env);
    expect(JSON.parse(mid.stdout).state).toBe('running');
    const r = await runGantry(['resume', 'rs', ...s.args], s.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('repaired: task rs.slow-b: running → retrying (process lost)');
    expect(r.stdout).toContain('run rs: succeeded');
    expect(await outcome(s)).toEqual(reference);
    const end = JSON.parse((await runGantry(['status', 'rs', '--json', ...s.args], s.env)).stdout) as { workers: { state: string }[] };
    expect(end.workers.map((w) => w.state)).toEqual(['shutdown', 'shutdown']);
    await expectAuditSound(s);
    const again = await runGantry(['resume', 'rs', ...s.args], s.env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  }, SLOW);

  it('Ctrl-C stops after the current step with a resume hint (exit 1); resume finishes the run', async () => {
    const s = await side(kind);
    sides.push(s);
    const stopped = await runAndSignal(s, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain('continue it with: gantry resume rs');
    expect(stopped.stdout).toContain('task            rs.slow-b: validating → completed (validation_passed)');
    const mid = await runGantry(['status', 'rs', '--json', ...s.args], s.env);
    const status = JSON.parse(mid.stdout) as { state: string; workers: { state: string }[] };
    expect(status.state).toBe('running');
    expect(status.workers.every((w) => w.state === 'idle')).toBe(true);
    const r = await runGantry(['resume', 'rs', ...s.args], s.env);
    expect(r.code, r.stderr).toBe(0);
    expect(await outcome(s)).toEqual(reference);
    await expectAuditSound(s);
  }, SLOW);

  it('an unknown run exits 2', async () => {
    const r = await runGantry(['resume', 'nope', ...sides[0]!.args], sides[0]!.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run nope not found');
  });
});
