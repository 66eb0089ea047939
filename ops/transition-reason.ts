import { isEntityType, isFailureState, isTerminal, SELF_EDGE_TRIGGERS } from '../machines/index.js';
import type { GateOutputTail, ReasonFact } from '../persistence/index.js';

/** One state change as the reason rules read it: an audit row, or a transition just committed. */
export type TransitionFacts = Omit<ReasonFact, 'workstreamId'>;

/** Lines of output kept in a reason: the last ones (where a failing command says why). */
const TAIL_LINES = 3;
/** A reason longer than this keeps its start and its end. */
const MAX_CHARS = 400;

/** The last {@link TAIL_LINES} non-empty lines of `text`, joined by ` | ` (`… | ` first when lines were left out). */
export function tailLines(text: string, n = TAIL_LINES): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return (lines.length > n ? ['…', ...lines.slice(-n)] : lines).join(' | ');
}

/** `text` on one line and at most {@link MAX_CHARS} characters: an `exit code N:` (or other `…:`) head stays, then the tail of the output. */
export function shortReason(text: string): string {
  const m = /^([^\n:]{1,120}:)\s*([\s\S]*)$/.exec(text.trim());
  const one = m && m[2]!.includes('\n') ? `${m[1]} ${tailLines(m[2]!)}` : tailLines(text, 6);
  return one.length <= MAX_CHARS ? one : `${one.slice(0, 120)} … ${one.slice(-(MAX_CHARS - 125))}`;
}

/**
 * A dependency that went wrong, as the engine decides it (engine/execute-task.ts, run-gates.ts): its state is a
 * failure state of the dependency's machine, or `cancelled` / `canceled`.
 */
function wentWrong(entityType: string, state: string): boolean {
  return (isEntityType(entityType) && isFailureState(entityType, state)) || state === 'cancelled' || state === 'canceled';
}

/** `other` without the dot segments it shares with `self` from the start (`demo.a.security.a1` seen from `demo.a.integration.a1` is `security.a1`; `demo.core` seen from `demo` is `core`). */
export function relativeId(self: string, other: string): string {
  if (other.startsWith(`${self}.`)) return other.slice(self.length + 1);
  const a = self.split('.');
  const b = other.split('.');
  let i = 0;
  while (i < a.length - 1 && i < b.length - 1 && a[i] === b[i]) i++;
  return b.slice(i).join('.');
}

/** `id STATE` for each entry of a `{ id: state }` map or a `[{ id, state }]` list whose state went wrong. */
function wrongOnes(entityType: string, self: string, v: unknown): string[] {
  const pairs: [string, string][] = Array.isArray(v)
    ? v.flatMap((x) => (x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string' && typeof (x as { state?: unknown }).state === 'string' ? [[(x as { id: string }).id, (x as { state: string }).state] as [string, string]] : []))
    : v && typeof v === 'object'
      ? Object.entries(v as Record<string, unknown>).flatMap(([id, s]) => (typeof s === 'string' ? [[id, s] as [string, string]] : []))
      : [];
  return pairs.filter(([, s]) => wentWrong(entityType, s)).map(([id, s]) => `${relativeId(self, id)} ${s}`);
}

/** Whether the state a transition entered wants an explanation: a warning or worse, an operator's act, or an end given a reason. */
function wantsReason(t: TransitionFacts, explained: boolean): boolean {
  // A self-edge (a conflict round of a validating workstream, EXT-7/EXT-8) says why, like a state change.
  if (t.fromState === t.toState) return explained && SELF_EDGE_TRIGGERS.includes(t.trigger);
  if (t.severity !== 'info' || t.operator !== null) return true;
  // EXT-6: a manual gate started with a reason waits for its approvers, and says so.
  if (t.entityType === 'test_gate' && t.toState === 'RUNNING') return explained;
  // Workers end with their run as a matter of course ("run ended"): only their failures are explained.
  if (t.entityType === 'worker' || t.entityType === 'uet_worker') return false;
  return explained && isEntityType(t.entityType) && isTerminal(t.entityType, t.toState);
}

/**
 * Why an entity entered the state of transition `t`, in one short line, or null when that state needs no
 * explanation (normal progress). Read from the transition alone (and, for a gate, its output's tail):
 * - a command's failure: `exit code N: <last lines of stderr>` (a task's `error`; a gate's exit code and output);
 * - a dependency: the event's reason and the dependencies that failed or were cancelled (`a dependency failed …: build failed`);
 * - a run's end: the workstreams that failed or were cancelled;
 * - a manual gate (EXT-6): `waiting for approval by …` while it waits, the approver's reason once decided;
 * - anything else: the event's `error` or reason, else its trigger; an operator's act is prefixed `by NAME:`.
 * Entered with severity `info` and no operator, only a terminal state with a given reason is explained (a task
 * `cancelled` because its workstream is failed); `completed`, `PASSED` and the like are not.
 */
export function transitionReason(t: TransitionFacts, gateOutput?: GateOutputTail | null): string | null {
  const ev = t.event ?? {};
  const error = typeof ev['error'] === 'string' && ev['error'].length > 0 ? ev['error'] : null;
  const given = error ?? t.reason ?? (typeof ev['reason'] === 'string' && ev['reason'].length > 0 ? ev['reason'] : null);
  if (!wantsReason(t, given !== null)) return null;
  let text: string;
  const decided = t.trigger === 'approved' || t.trigger === 'rejected'; // EXT-6: the approver's reason, no output
  if (t.entityType === 'test_gate' && !decided && (t.trigger === 'command_failed' || gateOutput)) {
    const code = gateOutput?.exitCode ?? (typeof ev['exit_code'] === 'number' ? ev['exit_code'] : null);
    const out = gateOutput ? tailLines(gateOutput.stderrTail.trim() ? gateOutput.stderrTail : gateOutput.stdoutTail) : '';
    text = `exit code ${code ?? '?'}${out ? `: ${out}` : ''}`;
  } else if (t.trigger === 'timeout_exceeded') {
    text = given ?? 'timed out';
  } else if ('dependencies' in ev) {
    const wrong = wrongOnes(t.entityType, t.entityId, ev['dependencies']);
    text = `${given ?? t.trigger}${wrong.length ? `: ${wrong.join(', ')}` : ''}`;
  } else if (t.entityType === 'run' && Array.isArray(ev['workstreams'])) {
    const wrong = wrongOnes('workstream', t.entityId, ev['workstreams']);
    text = wrong.length ? `${given ? `${given}: ` : 'not every workstream completed: '}${wrong.join(', ')}` : (given ?? t.trigger);
  } else {
    text = given ?? t.trigger;
  }
  const short = shortReason(text);
  return t.operator !== null ? `by ${t.operator}: ${short}` : short;
}
