import { entityStates } from '../machines/index.js';
import type { ProgressSnapshot, StateCounts, WorkstreamProgress } from './progress-model.js';

/** How {@link renderProgress} draws: colours (ANSI SGR) or not (`NO_COLOR`, see https://no-color.org). */
export interface RenderOptions {
  readonly color: boolean;
}

/** One piece of a line: its text and, optionally, an ANSI colour code. */
interface Segment {
  readonly text: string;
  readonly color?: number;
}

const GREEN = 32;
const RED = 31;
const YELLOW = 33;
const DIM = 2;
const BOLD = 1;

const BAR_WIDTH = 20;
const ID_WIDTH = 16;

/** Task states that end a task (its machine's terminal states). */
const TASK_DONE = entityStates.terminal.task;
/** The order states are listed in; others follow alphabetically. */
const STATE_ORDER = [
  'completed', 'committed', 'verified', 'PASSED', 'running', 'RUNNING', 'validating', 'applied', 'queued', 'validated', 'created',
  'retrying', 'apply_failed', 'pending', 'PENDING', 'blocked', 'BLOCKED', 'failed', 'FAILED', 'quarantined', 'cancelled', 'dropped', 'rolled_back',
];

/** The colour of a state: green when it went well, red when it failed, yellow while under way, none otherwise. */
function colorOf(state: string): number | undefined {
  if (['completed', 'committed', 'verified', 'succeeded', 'PASSED', 'idle', 'IDLE'].includes(state)) return GREEN;
  if (['failed', 'FAILED', 'quarantined', 'cancelled', 'canceled', 'BLOCKED', 'blocked', 'dropped', 'rolled_back', 'apply_failed'].includes(state)) return RED;
  if (['running', 'RUNNING', 'executing', 'validating', 'busy', 'BUSY', 'retrying', 'applied'].includes(state)) return YELLOW;
  return undefined;
}

function rank(state: string): number {
  const i = STATE_ORDER.indexOf(state);
  return i < 0 ? STATE_ORDER.length : i;
}

function total(c: StateCounts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** `3 completed, 1 running` (states in a fixed order), coloured per state; `none` when empty. */
function countSegments(c: StateCounts): Segment[] {
  const entries = Object.entries(c).filter(([, n]) => n > 0).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  if (entries.length === 0) return [{ text: 'none', color: DIM }];
  return entries.flatMap(([state, n], i) => [...(i > 0 ? [{ text: ', ' }] : []), { text: `${n} ${state}`, ...opt(colorOf(state)) }]);
}

function opt(color: number | undefined): { color?: number } {
  return color === undefined ? {} : { color };
}

/** A bar of the workstream's tasks: done ones filled (green completed, red failed/cancelled), the rest light. */
function bar(tasks: StateCounts): Segment[] {
  const all = total(tasks);
  if (all === 0) return [{ text: `[${'·'.repeat(BAR_WIDTH)}]`, color: DIM }];
  const ok = Math.round(((tasks['completed'] ?? 0) / all) * BAR_WIDTH);
  const bad = Math.min(BAR_WIDTH - ok, Math.round((((tasks['failed'] ?? 0) + (tasks['cancelled'] ?? 0)) / all) * BAR_WIDTH));
  return [{ text: '[' }, { text: '█'.repeat(ok), color: GREEN }, { text: '█'.repeat(bad), color: RED }, { text: '░'.repeat(BAR_WIDTH - ok - bad), color: DIM }, { text: ']' }];
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

function workstreamLines(w: WorkstreamProgress, runId: string | null): Segment[][] {
  const name = runId !== null && w.id.startsWith(`${runId}.`) ? w.id.slice(runId.length + 1) : w.id;
  const done = TASK_DONE.reduce((a, s) => a + (w.tasks[s] ?? 0), 0);
  const pad = ' '.repeat(ID_WIDTH + 1);
  const gates = { passed: w.gates['PASSED'] ?? 0, failed: w.gates['FAILED'] ?? 0, blocked: w.gates['BLOCKED'] ?? 0 };
  const open = total(w.gates) - gates.passed - gates.failed - gates.blocked;
  return [
    [{ text: `${name.padEnd(ID_WIDTH)} `, color: BOLD }, { text: w.state.padEnd(11), ...opt(colorOf(w.state)) }, { text: ' ' }, ...bar(w.tasks), { text: ` ${done}/${total(w.tasks)} tasks` }],
    [{ text: `${pad}tasks    ` }, ...countSegments(w.tasks)],
    [{ text: `${pad}patches  ` }, ...countSegments(w.patches)],
    [
      { text: `${pad}gates    ` },
      { text: `${gates.passed} passed`, ...opt(gates.passed > 0 ? GREEN : undefined) },
      { text: ', ' },
      { text: `${gates.failed} failed`, ...opt(gates.failed > 0 ? RED : undefined) },
      { text: ', ' },
      { text: `${gates.blocked} blocked`, ...opt(gates.blocked > 0 ? RED : undefined) },
      ...(open > 0 ? [{ text: `, ${open} open` }] : []),
    ],
    ...(w.reason ? [[{ text: `${pad}why      ` }, { text: w.reason, color: RED }]] : []),
  ];
}

/** Cuts a line to `width` visible characters (an ellipsis marks the cut), then colours it when asked. */
function line(segments: readonly Segment[], width: number, o: RenderOptions): string {
  let left = Math.max(1, width);
  const full = segments.reduce((a, s) => a + [...s.text].length, 0);
  const cut = full > left;
  if (cut) left -= 1;
  let out = '';
  for (const s of segments) {
    if (left <= 0) break;
    const chars = [...s.text];
    const text = chars.slice(0, left).join('');
    left -= Math.min(chars.length, left);
    out += o.color && s.color !== undefined && text !== '' ? `\x1b[${s.color}m${text}\x1b[0m` : text;
  }
  return cut ? `${out}…` : out;
}

/**
 * Draws the live progress view of a run (issue 4, `gantry run` on a terminal): a header with the run's state and
 * elapsed time, the workers busy/idle, then per workstream (its id without the run prefix) its state, a bar of its
 * tasks, its tasks by state, its patches by ledger state (SSOT §2.2) and its gates passed/failed/blocked (SSOT §2.3);
 * the run's reason beside its state, a workstream's latest failure with why under it (`why      task leak-key failed: …`). Pure: the same snapshot and
 * width always give the same text; every line is at most `width` characters (colour codes aside); ends with a newline.
 */
export function renderProgress(model: ProgressSnapshot, width: number, o: RenderOptions = { color: false }): string {
  const busy = (c: StateCounts, b: string, i: string): Segment[] => [
    { text: `${c[b] ?? 0} busy`, ...opt((c[b] ?? 0) > 0 ? YELLOW : undefined) },
    { text: ' / ' },
    { text: `${c[i] ?? 0} idle` },
    ...(total(c) - (c[b] ?? 0) - (c[i] ?? 0) > 0 ? [{ text: ` / ${total(c) - (c[b] ?? 0) - (c[i] ?? 0)} other` }] : []),
  ];
  const lines: Segment[][] = [
    [
      { text: `run ${model.runId ?? '…'}  `, color: BOLD },
      { text: model.runState ?? 'starting', ...opt(colorOf(model.runState ?? '')) },
      { text: `  ${formatElapsed(model.elapsedMs)}` },
      ...(model.runReason ? [{ text: `  ${model.runReason}`, color: RED }] : []),
    ],
    [{ text: 'workers  ' }, ...busy(model.workers, 'busy', 'idle'), { text: '   uet  ' }, ...busy(model.uetWorkers, 'BUSY', 'IDLE')],
    // Notes before the workstreams: a terminal too short for the view cuts from the bottom, and they matter more.
    ...(model.notes ?? []).map((n): Segment[] => [{ text: `note  ${n}`, ...opt(YELLOW) }]),
    ...model.workstreams.flatMap((w) => workstreamLines(w, model.runId)),
  ];
  return `${lines.map((l) => line(l, width, o)).join('\n')}\n`;
}
