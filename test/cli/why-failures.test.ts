import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { cliTarget, testDatabases } from '../support/test-database.js';
import { runGantry, type GantryResult } from './run-gantry.js';

// Issue 13, "why, everywhere": one run that fails in each way — a task whose command fails with stderr, a failing
// gate (and the task it fails), a patch quarantined for a forbidden path, a task cancelled because its dependency
// failed — then an operator's fail-task; the reason of each must appear in `gantry run`'s lines and summary, in
// `status --json` and in `history`, and `gantry logs` shows a task's and a gate's output.

interface Entity {
  readonly id: string;
  readonly state: string;
  readonly reason: string | null;
  readonly expected?: string;
}
interface Status {
  readonly state: string;
  readonly reason: string | null;
  readonly workstreams: Entity[];
  readonly tasks: Entity[];
  readonly patches: Entity[];
  readonly gates: Entity[];
}

const byId = (rows: readonly Entity[], id: string): Entity => {
  const r = rows.find((x) => x.id === id);
  if (!r) throw new Error(`${id} not in ${rows.map((x) => x.id).join(', ')}`);
  return r;
};

describe.each(testDatabases())('every failure says why: run, status --json, history, logs (%s)', (kind) => {
  let box: EngineSandbox;
  let args: string[];
  let env: NodeJS.ProcessEnv;
  let schema: string | null = null;
  let run: GantryResult;
  const url = process.env['DATABASE_URL'];
  const gantry = (...a: string[]) => runGantry([...a, ...args], env);

  beforeAll(async () => {
    box = await makeSandbox();
    ({ args, env, schema } = cliTarget(kind, box.stateDir));
    const plan = {
      run: { id: 'why', phase: 'PH-1', repository: './repo', target_branch: 'main' },
      retry: { backoff_base_ms: 10, backoff_cap_ms: 40 },
      patch_rules: { allowed_paths: ['src/**', 'keys/**'], forbidden: ['**/*.pem'] },
      workstreams: [
        {
          id: 'crash',
          tasks: [
            { id: 'boom', tool: 'sh', command: "echo to-stdout; echo 'first line' >&2; echo 'the real cause' >&2; exit 3", max_retries: 0 },
            { id: 'after-boom', depends_on: ['boom'], command: writeCmd('src/after.js', '1;\n') },
          ],
        },
        {
          id: 'gated',
          expect: 'failure',
          gates: [{ id: 'check', type: 'LINT', command: "echo 'gate output line'; echo 'gate says no' >&2; exit 4" }],
          tasks: [{ id: 'change', command: writeCmd('src/change.js', '1;\n'), gates: ['check'] }],
        },
        { id: 'forbidden', tasks: [{ id: 'leak', command: writeCmd('keys/server.pem', 'x\n') }] },
      ],
    };
    await writeFile(join(box.dir, 'plan.json'), JSON.stringify(plan));
    run = await gantry('run', join(box.dir, 'plan.json'));
  }, 480_000);

  afterAll(async () => {
    if (schema) {
      const h = await createDatabase({ url: url! });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
      await h.close();
    }
    await box.cleanup();
  });

  it('gantry run: each failing line and the summary say why, and which failures the plan expected', () => {
    expect(run.code, run.stderr).toBe(1);
    const out = run.stdout;
    // A task whose command failed: its exit code and the last lines of its stderr.
    expect(out).toMatch(/task +why\.boom: running → failed \(execution_failed\) — exit code 3: first line \| the real cause$/m);
    // A dependency that failed: the dependant names it.
    expect(out).toMatch(/task +why\.after-boom: \w+ → cancelled \(dependency_failed\) — a dependency failed or was cancelled: boom failed$/m);
    // A failing gate: its exit code; the task it fails names the gate and its output's tail.
    expect(out).toMatch(/test_gate +why\.change\.check\.a1: RUNNING → FAILED \(command_failed\) — exit code 4$/m);
    expect(out).toMatch(/task +why\.change: validating → failed \(validation_failed\) — gates failed: check — check FAILED: exit code 4: gate says no$/m);
    // A forbidden path: the rule and the path.
    expect(out).toMatch(/patch_ledger +why\.leak\.p1: created → quarantined \(validation_failed\) — constraints: keys\/server\.pem: matches a forbidden glob/m);
    expect(out).toMatch(/task +why\.leak: validating → failed \(validation_failed\) — patch quarantined: constraints: keys\/server\.pem: matches a forbidden glob$/m);
    // The summary: per failed workstream which entity failed and why; the plan's expect: failure is told apart.
    const summary = out.slice(out.indexOf('run why: failed'));
    expect(summary).toMatch(/^run why: failed — not every workstream completed: /);
    expect(summary).toMatch(/workstream why\.crash: \w+\n {6}why: .*task boom failed: exit code 3: first line \| the real cause/);
    expect(summary).toMatch(/workstream why\.gated: failed {2}\[expected: the plan marks it expect: failure\]\n {6}why: .*task change failed: gates failed: check — check FAILED: exit code 4: gate says no/);
    expect(summary).toMatch(/workstream why\.forbidden: failed\n {6}why: .*task leak failed: patch quarantined: constraints: keys\/server\.pem: matches a forbidden glob/);
    expect(summary).toMatch(/unexpected failures: .*why\.crash/);
    expect(summary).not.toMatch(/unexpected failures: .*why\.gated/);
  });

  it('gantry status --json: a reason on every entity that failed, was cancelled, quarantined or blocked; null elsewhere', async () => {
    const r = await gantry('status', 'why', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Status;
    expect(s.state).toBe('failed');
    expect(s.reason).toMatch(/^not every workstream completed: /);
    expect(byId(s.tasks, 'why.boom').reason).toBe('exit code 3: first line | the real cause');
    expect(byId(s.tasks, 'why.after-boom')).toMatchObject({ state: 'cancelled', reason: 'a dependency failed or was cancelled: boom failed' });
    expect(byId(s.gates, 'why.change.check.a1')).toMatchObject({ state: 'FAILED', reason: 'exit code 4: gate says no' });
    expect(byId(s.tasks, 'why.change').reason).toBe('gates failed: check — check FAILED: exit code 4: gate says no');
    expect(byId(s.patches, 'why.leak.p1')).toMatchObject({ state: 'quarantined', reason: 'constraints: keys/server.pem: matches a forbidden glob' });
    expect(byId(s.workstreams, 'why.forbidden').reason).toContain('task leak failed: patch quarantined: constraints: keys/server.pem: matches a forbidden glob');
    expect(byId(s.workstreams, 'why.gated')).toMatchObject({ state: 'failed', expected: 'failure' });
    expect(byId(s.workstreams, 'why.crash').expected).toBeUndefined();
    // Normal states carry no reason.
    expect(s.patches.filter((p) => p.state === 'committed').every((p) => p.reason === null)).toBe(true);
    const text = await gantry('status', 'why');
    expect(text.stdout).toMatch(/why\.boom +failed {2}\(why\.crash\)\n {6}why: exit code 3: first line \| the real cause/);
  }, 120_000);

  it('gantry history: each failing transition with why (text and --json `why`)', async () => {
    const task = await gantry('history', 'task', 'why.boom');
    expect(task.code, task.stderr).toBe(0);
    expect(task.stdout).toMatch(/running +→ failed +execution_failed {2}\[error\] {2}\(exit code 3: first line \| the real cause\)/);
    const gate = await gantry('history', 'test_gate', 'why.change.check.a1', '--json');
    const rows = (JSON.parse(gate.stdout) as { transitions: { to_state: string; why: string | null }[] }).transitions;
    expect(rows.find((t) => t.to_state === 'FAILED')!.why).toBe('exit code 4: gate says no');
    expect(rows.filter((t) => t.to_state !== 'FAILED').every((t) => t.why === null)).toBe(true);
    const dep = await gantry('history', 'task', 'why.after-boom');
    expect(dep.stdout).toContain('(a dependency failed or was cancelled: boom failed)');
    const patch = await gantry('history', 'patch_ledger', 'why.leak.p1');
    expect(patch.stdout).toContain('(constraints: keys/server.pem: matches a forbidden glob)');
  }, 120_000);

  it('gantry logs: a task attempt\'s and a gate\'s stdout and stderr; an unknown id gets did-you-mean', async () => {
    const task = await gantry('logs', 'why.boom');
    expect(task.code, task.stderr).toBe(0);
    expect(task.stdout).toContain('task why.boom attempt 1: exit code 3 (task now failed)');
    expect(task.stdout).toContain('--- stdout (10 bytes) ---\nto-stdout');
    expect(task.stdout).toContain('--- stderr (26 bytes) ---\nfirst line\nthe real cause');
    const gate = await gantry('logs', 'why.change.check', '--attempt', '1', '--json');
    expect(gate.code, gate.stderr).toBe(0);
    expect(JSON.parse(gate.stdout)).toMatchObject({ entity_type: 'test_gate', id: 'why.change.check.a1', attempt: 1, exit_code: 4, stdout: 'gate output line\n', stderr: 'gate says no\n', stdout_truncated: false, cap_bytes: 262144 });
    const unknown = await gantry('logs', 'boom');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no task or gate boom; did you mean 'why.boom'");
    expect(unknown.stderr).toContain('ids are namespaced by their run');
    const noAttempt = await gantry('logs', 'why.boom', '--attempt', '2');
    expect(noAttempt.code).toBe(2);
    expect(noAttempt.stderr).toContain('has no stored output for attempt 2; attempts with output: 1');
  }, 120_000);

  it("an operator's fail-task: the operator and their reason in status --json and history", async () => {
    const add = await gantry('operator', 'add', 'alice', '--json');
    expect(add.code, add.stderr).toBe(0);
    const token = (JSON.parse(add.stdout) as { token: string }).token;
    const auth = ['--operator', 'alice', '--token', token];
    expect((await gantry('override', 'reset-task', 'why.boom', '--reason', 'try again', ...auth)).code).toBe(0);
    const fail = await gantry('override', 'fail-task', 'why.boom-r1', '--reason', 'not worth it', ...auth);
    expect(fail.code, fail.stderr).toBe(0);
    const s = JSON.parse((await gantry('status', 'why', '--json')).stdout) as Status;
    expect(byId(s.tasks, 'why.boom-r1')).toMatchObject({ state: 'failed', reason: 'by alice: not worth it' });
    const h = await gantry('history', 'task', 'why.boom-r1');
    expect(h.stdout).toMatch(/→ failed +fail-task {2}\[warning\] {2}by alice {2}\(not worth it\)/);
  }, 120_000);
});
