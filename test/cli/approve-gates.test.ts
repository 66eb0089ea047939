import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { cliTarget, testDatabases, type CliTarget, dropCliSchema } from '../support/test-database.js';
import { GANTRY_BIN, ROOT, runGantry, type GantryResult } from './run-gantry.js';

// Issue 15 part 3, human approval gates (EXT-6), end to end through the compiled CLI on a real repository: a run waits
// at a MANUAL gate, `status` says who it waits for, an operator who is not an approver (or has no token) is refused
// and nothing changes, `reject` fails a gate with the reason, `approve` by an approver lets the task merge — all while
// the run is live (PostgreSQL, and PGlite through the socket the running engine serves); then an approval across an
// engine restart: SIGKILL, one gate approved while the engine is down, `resume` keeps the other waiting until it is
// approved live, and both workstreams merge.

/** A `gantry` child left running: `exit` resolves when it ends; `printed(re)` once its standard output matches `re`. */
interface Running {
  readonly child: ChildProcess;
  readonly exit: Promise<GantryResult>;
  printed(re: RegExp): Promise<void>;
}

/** Starts `gantry ...args` in the background (its progress lines on standard output: one per state change). */
function startGantry(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [GANTRY_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ended = false;
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<GantryResult>((resolve) =>
    child.once('close', (code, signal) => {
      ended = true;
      resolve({ code: code ?? (signal ? -1 : -2), stdout, stderr });
    }),
  );
  const printed = async (re: RegExp): Promise<void> => {
    for (let i = 0; i < 1200; i++) {
      if (re.test(stdout)) return;
      if (ended) throw new Error(`gantry ${args[0]} ended before printing ${re}: ${stderr}${stdout.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gantry ${args[0]} did not print ${re}`);
  };
  return { child, exit, printed };
}

/** The run's progress line saying manual gate `id` started waiting (read before any other process opens its state). */
const waitingLine = (id: string): RegExp => new RegExp(`${id.replaceAll('.', '\\.')}: PENDING → RUNNING \\(start\\) — waiting for approval`);

interface StatusJson {
  state: string;
  workstreams: { id: string; state: string; reason: string | null }[];
  tasks: { id: string; state: string; reason: string | null }[];
  gates: { id: string; state: string; reason: string | null }[];
}

/** A plan of `n` workstreams `ws-<i>`, each one task writing `src/<i>.js` validated by a UNIT gate then a MANUAL gate. */
function plan(runId: string, gates: readonly { id: string; approvers: string[] }[]): Record<string, unknown> {
  return {
    run: { id: runId, phase: 'PH-1', repository: './repo', target_branch: 'main' },
    sandbox: 'none',
    workstreams: gates.map((g, i) => ({
      id: `ws-${i}`,
      gates: [
        { id: 'unit', type: 'UNIT', command: ['node', '-e', 'process.exit(0)'] },
        { id: g.id, type: 'MANUAL', approvers: g.approvers, depends_on: ['unit'] },
      ],
      tasks: [{ id: `change-${i}`, command: writeCmd(`src/${i}.js`, `export const v${i} = ${i};\n`), gates: ['unit', g.id] }],
    })),
  };
}

describe.each(testDatabases())('manual approval gates through the CLI (%s)', (kind) => {
  let box: EngineSandbox;
  let target: CliTarget;
  const tokens: Record<string, string> = {};
  const gantry = (...a: string[]) => runGantry([...a, ...target.args], target.env);
  const as = (who: string) => ['--operator', who, '--token', tokens[who]!];
  const status = async (runId: string): Promise<StatusJson | null> => {
    const r = await gantry('status', runId, '--json');
    return r.code === 0 ? (JSON.parse(r.stdout) as StatusJson) : null;
  };
  const until = async (runId: string, check: (s: StatusJson) => boolean, what: string): Promise<StatusJson> => {
    for (let i = 0; i < 600; i++) {
      const s = await status(runId);
      if (s !== null && check(s)) return s;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const gateState = (s: StatusJson, id: string) => s.gates.find((g) => g.id === id)?.state;
  const onMain = (file: string): boolean => {
    try {
      execFileSync('git', ['-C', box.repo, 'cat-file', '-e', `main:${file}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    box = await makeSandbox();
    target = cliTarget(kind, box.stateDir);
    for (const who of ['alice', 'bob', 'mallory']) {
      const r = await gantry('operator', 'add', who, '--json');
      expect(r.code, r.stderr).toBe(0);
      tokens[who] = (JSON.parse(r.stdout) as { token: string }).token;
    }
  }, 120_000);

  afterAll(async () => {
    await dropCliSchema(target);
    await box?.cleanup();
  });

  it('plan check: a MANUAL gate needs approvers and no command; approvers are operator names', async () => {
    const file = join(box.dir, 'bad-plan.json');
    const bad = plan('bad', [{ id: 'review', approvers: [] }]) as { workstreams: { gates: Record<string, unknown>[] }[] };
    bad.workstreams[0]!.gates.push({ id: 'sign', type: 'MANUAL', command: 'true', approvers: ['alice'] }, { id: 'odd', type: 'MANUAL', approvers: ['not a name'] }, { id: 'lint', type: 'LINT', approvers: ['alice'] });
    await writeFile(file, JSON.stringify(bad));
    const r = await gantry('plan', 'check', file);
    expect(r.code).toBe(2);
    const said = r.stdout + r.stderr;
    expect(said).toMatch(/gates\[1\]\.approvers.*a MANUAL gate needs approvers/);
    expect(said).toMatch(/gates\[2\]\.command.*a MANUAL gate runs no command/);
    expect(said).toMatch(/gates\[3\]\.approvers\[0\].*an approver is an operator name/);
    expect(said).toMatch(/gates\[4\]\.command.*a LINT gate needs a command/);
    expect(said).toMatch(/gates\[4\]\.approvers.*only a MANUAL gate has approvers/);
    const good = join(box.dir, 'good-plan.json');
    await writeFile(good, JSON.stringify(plan('good', [{ id: 'review', approvers: ['alice', 'bob'] }])));
    const ok = await gantry('plan', 'check', good);
    expect(ok.code, ok.stderr).toBe(0);
  }, 120_000);

  it('a live run waits at its manual gates; refusals change nothing; reject fails one gate, approve merges the other', async () => {
    const file = join(box.dir, 'live.json');
    await writeFile(file, JSON.stringify(plan('live', [{ id: 'review', approvers: ['alice'] }, { id: 'signoff', approvers: ['alice', 'bob'] }])));
    const run = startGantry(['run', file, ...target.args], target.env);
    try {
      await run.printed(waitingLine('live.change-0.review.a1'));
      await run.printed(waitingLine('live.change-1.signoff.a1'));
      const waiting = await until('live', (s) => gateState(s, 'live.change-0.review.a1') === 'RUNNING' && gateState(s, 'live.change-1.signoff.a1') === 'RUNNING', 'both manual gates to wait');
      expect(waiting.state).toBe('running');
      expect(waiting.gates.find((g) => g.id === 'live.change-0.review.a1')?.reason).toMatch(/^waiting for approval by alice \(gantry approve review --run live\)/);
      expect(waiting.gates.find((g) => g.id === 'live.change-1.signoff.a1')?.reason).toMatch(/^waiting for approval by alice or bob/);
      expect(waiting.tasks.find((t) => t.id === 'live.change-0')?.state).toBe('validating');
      const human = await gantry('status', 'live');
      expect(human.stdout).toMatch(/live\.change-0\.review\.a1\s+RUNNING[^\n]*\n\s+why: waiting for approval by alice/);

      // Refused, exit 1, nothing written: no token; a wrong token; an operator who is not an approver; no reason.
      const noToken = await gantry('approve', 'review', '--run', 'live', '--reason', 'ok', '--operator', 'alice');
      expect(noToken.code).toBe(1);
      expect(noToken.stderr).toMatch(/token/);
      const wrongToken = await gantry('approve', 'review', '--run', 'live', '--reason', 'ok', '--operator', 'alice', '--token', 'nope');
      expect(wrongToken.code).toBe(1);
      const notApprover = await gantry('approve', 'review', '--run', 'live', '--reason', 'ok', ...as('mallory'));
      expect(notApprover.code).toBe(1);
      expect(notApprover.stderr).toContain("approve review refused: operator 'mallory' is not an approver of gate live.change-0.review.a1 (approvers: alice) (nothing written)");
      const bobOnReview = await gantry('approve', 'live.change-0.review.a1', '--reason', 'ok', ...as('bob'));
      expect(bobOnReview.code).toBe(1);
      const noReason = await gantry('approve', 'review', '--run', 'live', ...as('alice'));
      expect(noReason.code).toBe(1);
      expect(noReason.stderr).toMatch(/--reason TEXT is required/);
      const unit = await gantry('approve', 'unit', '--run', 'live', '--reason', 'ok', ...as('alice'));
      expect(unit.code).toBe(1);
      expect(unit.stderr).toMatch(/is a UNIT gate/);
      // Nor can `entity send` approve in someone else's name.
      const forged = await gantry('entity', 'send', 'test_gate', 'live.change-0.review.a1', 'approved', '--data', '{"operator":"alice","reason":"forged"}', ...as('mallory'));
      expect(forged.code).toBe(1);
      const still = (await status('live'))!;
      expect(gateState(still, 'live.change-0.review.a1')).toBe('RUNNING');
      expect(still.state).toBe('running');

      // bob rejects signoff (its entity id, as status shows it): the gate fails with the reason, its task fails.
      const rejected = await gantry('reject', 'live.change-1.signoff.a1', '--reason', 'not what we agreed', ...as('bob'), '--json');
      expect(rejected.code, rejected.stderr).toBe(0);
      expect(JSON.parse(rejected.stdout)).toMatchObject({ decision: 'reject', id: 'live.change-1.signoff.a1', from_state: 'RUNNING', to_state: 'FAILED', operator: 'bob' });
      // alice approves review by its plan id and the run id: the task goes on to merge.
      const approved = await gantry('approve', 'review', '--run', 'live', '--reason', 'looks right', ...as('alice'));
      expect(approved.code, approved.stderr).toBe(0);
      expect(approved.stdout).toContain('approve: test_gate live.change-0.review.a1 RUNNING → PASSED');

      const r = await run.exit;
      expect(r.code, r.stderr).toBe(1); // ws-1 failed on its rejected gate: the run fails
      const again = await gantry('approve', 'review', '--run', 'live', '--reason', 'twice', ...as('alice'));
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/is PASSED, not waiting for approval/);
      const end = (await status('live'))!;
      expect(end.workstreams.find((w) => w.id === 'live.ws-0')?.state).toBe('completed');
      expect(end.workstreams.find((w) => w.id === 'live.ws-1')?.state).toBe('failed');
      expect(end.gates.find((g) => g.id === 'live.change-0.review.a1')).toMatchObject({ state: 'PASSED', reason: 'by alice: looks right' });
      expect(end.gates.find((g) => g.id === 'live.change-1.signoff.a1')).toMatchObject({ state: 'FAILED', reason: 'by bob: not what we agreed' });
      expect(end.tasks.find((t) => t.id === 'live.change-1')?.reason).toMatch(/gates failed: signoff.*signoff FAILED: by bob: not what we agreed/);
      expect(onMain('src/0.js')).toBe(true);
      expect(onMain('src/1.js')).toBe(false);
      // The approval is audited with its operator and reason.
      const history = await gantry('history', 'test_gate', 'live.change-0.review.a1', '--json');
      expect(history.code, history.stderr).toBe(0);
      const rows = (JSON.parse(history.stdout) as { transitions: { trigger: string; operator: string | null; reason: string | null; to_state: string }[] }).transitions;
      expect(rows.at(-1)).toMatchObject({ trigger: 'approved', operator: 'alice', reason: 'looks right', to_state: 'PASSED' });
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  }, 300_000);

  it('an approval across an engine restart: killed, one gate approved while down, resume waits for the other, approved live → merged', async () => {
    const file = join(box.dir, 'restart.json');
    await writeFile(file, JSON.stringify(plan('rs', [{ id: 'review', approvers: ['alice'] }, { id: 'review', approvers: ['bob'] }])));
    const first = startGantry(['run', file, ...target.args], target.env);
    await first.printed(waitingLine('rs.change-0.review.a1'));
    await first.printed(waitingLine('rs.change-1.review.a1'));
    await until('rs', (s) => gateState(s, 'rs.change-0.review.a1') === 'RUNNING' && gateState(s, 'rs.change-1.review.a1') === 'RUNNING', 'both gates to wait');
    // Two gates `review` wait: the plan id alone is ambiguous.
    const ambiguous = await gantry('approve', 'review', '--run', 'rs', '--reason', 'ok', ...as('alice'));
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/several gates 'review' of run rs are waiting: rs\.change-0\.review\.a1, rs\.change-1\.review\.a1/);
    first.child.kill('SIGKILL');
    await first.exit;

    const down = await gantry('approve', 'rs.change-0.review.a1', '--run', 'rs', '--reason', 'approved while the engine was down', ...as('alice'));
    expect(down.code, down.stderr).toBe(0);

    const resumed = startGantry(['resume', 'rs', ...target.args], target.env);
    try {
      await resumed.printed(/workstream\s+rs\.ws-0: \S+ → completed/);
      const s = await until('rs', (x) => x.workstreams.find((w) => w.id === 'rs.ws-0')?.state === 'completed', 'ws-0 to merge after resume');
      expect(gateState(s, 'rs.change-1.review.a1')).toBe('RUNNING'); // still waiting for bob after the restart
      expect(s.tasks.find((t) => t.id === 'rs.change-1')?.state).toBe('validating');
      const live = await gantry('approve', 'rs.change-1.review.a1', '--reason', 'approved after the restart', ...as('bob'));
      expect(live.code, live.stderr).toBe(0);
      const r = await resumed.exit;
      expect(r.code, r.stderr).toBe(0);
      const end = (await status('rs'))!;
      expect(end.state).toBe('succeeded');
      expect(onMain('src/0.js') && onMain('src/1.js')).toBe(true);
      const h = (JSON.parse((await gantry('history', 'test_gate', 'rs.change-0.review.a1', '--json')).stdout) as { transitions: { trigger: string; operator: string | null }[] }).transitions;
      expect(h.filter((x) => x.trigger === 'approved').map((x) => x.operator)).toEqual(['alice']);
    } finally {
      if (resumed.child.exitCode === null) resumed.child.kill('SIGKILL');
    }
  }, 300_000);
});
