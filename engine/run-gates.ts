import { ExecError, runProcess } from '../exec/index.js';
import type { PlanGate, PlanTask } from '../plan/index.js';
import { existingGateIds, recordGateOutput, type GateOutput } from '../persistence/index.js';
import { stateMap } from './entity-facts.js';
import { GateDeadlineRefusedError } from './errors.js';
import type { RunContext } from './run-context.js';
import { sendAccepted } from './send-accepted.js';
import { attemptTag, commandSandbox, runSandbox } from './task-sandbox.js';

/**
 * The outcome of a task's gates: state per plan gate id (what the task checks) and per gate entity id (the ledger);
 * `failed`: the gates that did not pass (while a manual gate waits: only those FAILED or BLOCKED); `waiting`: the
 * MANUAL gates waiting for an approver (EXT-6), RUNNING.
 */
export interface GateOutcome {
  readonly byPlanId: Record<string, string>;
  readonly byEntityId: Record<string, string>;
  readonly failed: string[];
  readonly waiting: string[];
}

/** Bytes of a gate's stdout, and apart of its stderr, kept in its row (the rest is dropped, truncation marked). */
export const GATE_OUTPUT_MAX_BYTES = 256 * 1024;

/** How a gate command ended and what it printed. */
interface GateRun {
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly output: GateOutput;
}

/**
 * Runs one gate command of a task's attempt in the task's sandbox (its own tag: nothing of it outlives it), its output
 * capped at {@link GATE_OUTPUT_MAX_BYTES} per stream; a spawn failure (or an unavailable required sandbox) counts as
 * exit code 127 (as a shell reports a missing program), its message as the gate's stderr.
 */
async function runGateCommand(ctx: RunContext, task: PlanTask, attemptNo: number, gate: PlanGate & { command: NonNullable<PlanGate['command']> }, cwd: string): Promise<GateRun> {
  try {
    const r = await runProcess({
      command: typeof gate.command === 'string' ? gate.command : [...gate.command],
      cwd,
      timeoutMs: gate.timeout_sec * 1000,
      maxOutputBytes: GATE_OUTPUT_MAX_BYTES,
      sandbox: await commandSandbox(ctx, task.sandbox ?? runSandbox(ctx.plan), cwd),
      attemptTag: attemptTag(ctx, task.workstream, task.id, attemptNo, gate.id),
      ...(ctx.options.killGraceMs !== undefined ? { killGraceMs: ctx.options.killGraceMs } : {}),
    });
    const output = { stdout: r.stdout, stderr: r.stderr, stdoutTruncated: r.stdoutTruncated, stderrTruncated: r.stderrTruncated };
    return { exitCode: r.exitCode ?? -1, timedOut: r.timedOut, durationMs: Math.round(r.durationMs), output };
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    return { exitCode: 127, timedOut: false, durationMs: 0, output: { stdout: '', stderr: err.message, stdoutTruncated: false, stderrTruncated: false } };
  }
}

/**
 * Sends `timeout_exceeded` once the gate's deadline guard takes it: the process timer and the machine's clock may
 * differ by their granularity, so the machine is asked again for up to a second of the run's clock.
 */
async function sendTimeout(ctx: RunContext, id: string): Promise<void> {
  for (let i = 0; i <= 20; i++) {
    if (await sendAccepted(ctx, 'test_gate', id, [{ type: 'timeout_exceeded' }])) return;
    await ctx.clock.sleep(50);
  }
  throw new GateDeadlineRefusedError(id, (await ctx.actors.load('test_gate', id)).state);
}

/** What one task attempt's gates need: the attempt, its worktree, and each gate's entity id. */
export interface GateScope {
  readonly task: PlanTask;
  readonly attemptNo: number;
  readonly cwd: string;
  readonly eid: (planGateId: string) => string;
}

/**
 * One command gate from its current state: a PENDING one is blocked or started by its machine from its dependencies'
 * states (or left PENDING when neither guard holds); one left RUNNING by a crash runs its command again after
 * `restarted` (R-8). A started gate's exit code decides PASSED / FAILED, then its output is stored.
 */
export async function stepCommandGate(ctx: RunContext, scope: GateScope, gate: PlanGate & { command: NonNullable<PlanGate['command']> }): Promise<void> {
  const id = scope.eid(gate.id);
  const state = (await ctx.actors.load('test_gate', id)).state;
  if (state === 'RUNNING') {
    // Left RUNNING by an engine that died while its command ran (a resume): the command runs again.
    await ctx.actors.send('test_gate', id, { type: 'restarted', reason: 'the engine stopped while the gate ran: its command runs again' });
  } else if (state !== 'PENDING') return;
  else {
    const dependencies = await stateMap(ctx, 'test_gate', gate.depends_on.map(scope.eid));
    const taken = await sendAccepted(ctx, 'test_gate', id, [
      { type: 'dependency_failed', dependencies, reason: 'a gate it depends on failed' },
      { type: 'start', dependencies },
    ]);
    if (taken?.to !== 'RUNNING') return;
  }
  const r = await runGateCommand(ctx, scope.task, scope.attemptNo, gate, scope.cwd);
  if (r.timedOut) await sendTimeout(ctx, id);
  else {
    // Its exit guards (exitExpected / exitUnexpected against expected_exit) choose passed or failed.
    const outcome = { exit_code: r.exitCode, duration_ms: r.durationMs };
    await sendAccepted(ctx, 'test_gate', id, [{ type: 'command_succeeded', ...outcome }, { type: 'command_failed', ...outcome }]);
  }
  // SSOT §2.3: the finished gate records its output (a column write after its last transition).
  await recordGateOutput(ctx.db, id, r.output);
}

/**
 * A PENDING manual gate (EXT-6): blocked when a gate it depends on failed; else, when `mayStart` (no other gate of the
 * attempt failed) and its dependencies passed, started — RUNNING, running nothing — with the reason `waiting for
 * approval by …` that `status` and the page show. It then waits for `approved` / `rejected` from one of its approvers.
 */
async function stepManualGate(ctx: RunContext, scope: GateScope, gate: PlanGate, mayStart: boolean): Promise<void> {
  const id = scope.eid(gate.id);
  if ((await ctx.actors.load('test_gate', id)).state !== 'PENDING') return;
  const dependencies = await stateMap(ctx, 'test_gate', gate.depends_on.map(scope.eid));
  const reason = `waiting for approval by ${gate.approvers.join(' or ')} (gantry approve ${gate.id} --run ${ctx.ids.run})`;
  await sendAccepted(ctx, 'test_gate', id, [
    { type: 'dependency_failed', dependencies, reason: 'a gate it depends on failed' },
    ...(mayStart ? [{ type: 'start' as const, dependencies, reason }] : []),
  ]);
}

/**
 * Creates the task's gates for this attempt (`R.task.gate.aN`, PENDING) and runs them in dependency order in the
 * worktree (SSOT §2.3): `start` when every dependency PASSED, `dependency_failed` (→ BLOCKED) when one FAILED; a gate
 * whose dependency is itself BLOCKED stays PENDING (the machine has no edge for it). Exit code decides PASSED/FAILED;
 * the finished gate's stdout and stderr (capped, truncation marked, NULs removed) are then stored in its row.
 * MANUAL gates (EXT-6) come after the command gates that can run: started only when none of them failed, they run
 * nothing and are reported `waiting`; the caller releases its worker and calls again once they are decided (gates
 * that depend on them run then). Resumable: gates that already exist are not created again, PENDING ones are started,
 * one left RUNNING by a crash runs its command again after `restarted`, a manual one keeps waiting.
 */
export async function runGates(ctx: RunContext, task: PlanTask, attemptNo: number, cwd: string): Promise<GateOutcome> {
  const ws = ctx.plan.workstreams.find((w) => w.id === task.workstream)!;
  const order = (ctx.order.gates[ws.id] ?? []).filter((g) => task.gates.includes(g));
  const gateOf = (g: string) => ws.gates.find((x) => x.id === g)!;
  const eid = (g: string) => ctx.ids.gate(task.id, g, attemptNo);
  const links = { run_id: ctx.ids.run, workstream_id: ctx.ids.workstream(ws.id), phase_id: ctx.plan.run.phase, task_id: ctx.ids.task(task.id) };
  const existing = await existingGateIds(ctx.db, order.map(eid));
  for (const g of order) {
    if (existing.has(eid(g))) continue;
    const gate = gateOf(g);
    const input = { gate_type: gate.type, depends_on: gate.depends_on.map(eid), expected_exit: gate.expect_exit, timeout_sec: gate.timeout_sec, approvers: [...gate.approvers] };
    await ctx.actors.create('test_gate', eid(g), input, { links });
  }
  const scope: GateScope = { task, attemptNo, cwd, eid };
  for (const g of order) {
    const gate = gateOf(g);
    if (gate.command !== null) await stepCommandGate(ctx, scope, { ...gate, command: gate.command });
  }
  const bad = (states: Record<string, string>) => Object.values(states).some((s) => s === 'FAILED' || s === 'BLOCKED');
  const manual = order.filter((g) => gateOf(g).command === null);
  const mayStart = !bad(await stateMap(ctx, 'test_gate', order.map(eid)));
  for (const g of manual) await stepManualGate(ctx, scope, gateOf(g), mayStart);
  const byEntityId = await stateMap(ctx, 'test_gate', order.map(eid));
  const byPlanId = Object.fromEntries(order.map((g) => [g, byEntityId[eid(g)]!]));
  const waiting = manual.filter((g) => byPlanId[g] === 'RUNNING');
  const failed = order.filter((g) => (waiting.length > 0 ? byPlanId[g] === 'FAILED' || byPlanId[g] === 'BLOCKED' : byPlanId[g] !== 'PASSED'));
  return { byPlanId, byEntityId, failed, waiting };
}
