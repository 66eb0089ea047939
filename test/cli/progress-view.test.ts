import { describe, expect, it } from 'vitest';
import type { CommittedTransition } from '../../actors/index.js';
import { ProgressModel, type ProgressSnapshot } from '../../cli/progress-model.js';
import { colorAllowed, ProgressScreen } from '../../cli/progress-screen.js';
import type { RunStatus } from '../../engine/index.js';
import { formatElapsed, renderProgress } from '../../cli/progress-view.js';

const SNAPSHOT: ProgressSnapshot = {
  runId: 'demo-001',
  runState: 'running',
  elapsedMs: 83_400,
  workers: { busy: 1, idle: 1 },
  uetWorkers: { IDLE: 1 },
  workstreams: [
    {
      id: 'demo-001.core',
      state: 'executing',
      tasks: { completed: 2, running: 1, pending: 1 },
      patches: { committed: 2, queued: 1 },
      gates: { PASSED: 3, FAILED: 1, BLOCKED: 1, PENDING: 2 },
    },
    { id: 'demo-001.docs', state: 'failed', tasks: { failed: 1, cancelled: 1 }, patches: {}, gates: {} },
  ],
};

const transition = (entityType: string, id: string, from: string, to: string, ctx: { run_id?: string | null; workstream_id?: string | null } = {}): CommittedTransition =>
  ({ entityType, id, from, to, event: 'e', version: 2, context: {}, canonical: { context: { run_id: ctx.run_id ?? null, workstream_id: ctx.workstream_id ?? null, phase_id: null } } }) as unknown as CommittedTransition;

describe('renderProgress (the live view of gantry run, a pure function)', () => {
  it('draws the header, the workers and, per workstream, a bar, tasks, patches and gates', () => {
    expect(renderProgress(SNAPSHOT, 100)).toBe(
      [
        'run demo-001  running  01:23',
        'workers  1 busy / 1 idle   uet  0 busy / 1 idle',
        'core             executing   [██████████░░░░░░░░░░] 2/4 tasks',
        '                 tasks    2 completed, 1 running, 1 pending',
        '                 patches  2 committed, 1 queued',
        '                 gates    3 passed, 1 failed, 1 blocked, 2 open',
        'docs             failed      [████████████████████] 2/2 tasks',
        '                 tasks    1 failed, 1 cancelled',
        '                 patches  none',
        '                 gates    0 passed, 0 failed, 0 blocked',
        '',
      ].join('\n'),
    );
  });

  it('cuts every line to the width with an ellipsis', () => {
    const lines = renderProgress(SNAPSHOT, 30).split('\n').slice(0, -1);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(30);
    expect(lines[2]).toBe('core             executing   …');
  });

  it('colours states with ANSI codes only when asked (NO_COLOR leaves them out), same visible text', () => {
    const colored = renderProgress(SNAPSHOT, 100, { color: true });
    expect(colored).toContain('\x1b[32m2 completed\x1b[0m');
    expect(colored).toContain('\x1b[31m1 failed\x1b[0m');
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(renderProgress(SNAPSHOT, 100, { color: false }));
  });

  it('formats elapsed time as mm:ss, h:mm:ss past an hour', () => {
    expect(formatElapsed(0)).toBe('00:00');
    expect(formatElapsed(59_999)).toBe('00:59');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
  });
});

describe('ProgressModel (counts kept from transitions, plus one load)', () => {
  it('moves each entity between state counts and adds from a load only what no transition showed', () => {
    const m = new ProgressModel();
    m.apply(transition('workstream', 'r.ws', 'planned', 'ready', { run_id: 'r' }));
    m.apply(transition('task', 'r.a', 'pending', 'queued', { run_id: 'r', workstream_id: 'r.ws' }));
    m.apply(transition('worker', 'r.agent-1', 'initializing', 'idle', { run_id: 'r' }));
    m.apply(transition('circuit_breaker', 'r.node', 'CLOSED', 'CLOSED'));
    m.load({
      runId: 'r',
      state: 'running',
      workstreams: [{ id: 'r.ws', state: 'planned', parent: null }],
      tasks: [
        { id: 'r.a', state: 'pending', parent: 'r.ws' },
        { id: 'r.b', state: 'pending', parent: 'r.ws' },
      ],
      patches: [{ id: 'r.a.p1', state: 'created', parent: 'r.a' }],
      gates: [{ id: 'r.a.lint.a1', state: 'PENDING', parent: 'r.a' }],
      workers: [{ id: 'r.agent-1', state: 'initializing', parent: 'agent' }, { id: 'r.agent-2', state: 'idle', parent: 'agent' }],
    });
    m.apply(transition('task', 'r.a', 'queued', 'running', { run_id: 'r', workstream_id: 'r.ws' }));
    m.apply(transition('worker', 'r.agent-1', 'idle', 'busy', { run_id: 'r' }));
    m.apply(transition('test_gate', 'r.a.lint.a1', 'PENDING', 'RUNNING', { run_id: 'r', workstream_id: 'r.ws' }));
    m.apply(transition('task', 'other.x', 'pending', 'queued', { run_id: 'other', workstream_id: 'other.ws' }));
    const s = m.snapshot(5000);
    expect(s).toEqual({
      runId: 'r',
      runState: 'running',
      elapsedMs: 5000,
      workers: { busy: 1, idle: 1 },
      uetWorkers: {},
      workstreams: [{ id: 'r.ws', state: 'ready', tasks: { running: 1, pending: 1 }, patches: { created: 1 }, gates: { RUNNING: 1 } }],
    });
  });
});

describe('ProgressScreen (redraw in place, one load per run start)', () => {
  const status: RunStatus = {
    runId: 'r',
    state: 'running',
    workstreams: ['a', 'b', 'c'].map((w) => ({ id: `r.${w}`, state: 'ready', parent: null })),
    tasks: ['a', 'b', 'c'].map((w) => ({ id: `r.${w}-t`, state: 'pending', parent: `r.${w}` })),
    patches: [],
    gates: [],
    workers: [],
  };

  it('loads the run once on its first transition and once when it starts, redraws in place, cuts a view taller than the terminal', async () => {
    const writes: string[] = [];
    const loads: string[] = [];
    let clock = 0;
    const screen = new ProgressScreen({
      write: (t) => writes.push(t),
      columns: () => 80,
      rows: () => 6,
      color: false,
      load: async (runId) => {
        loads.push(runId);
        return status;
      },
      onError: (err) => {
        throw err;
      },
      now: () => clock,
    });
    screen.onTransition(transition('worker', 'r.agent-1', 'initializing', 'idle', { run_id: 'r' }));
    screen.onTransition(transition('run', 'r', 'pending', 'running'));
    screen.onTransition(transition('task', 'r.a-t', 'pending', 'queued', { run_id: 'r', workstream_id: 'r.a' }));
    // The first frame is drawn by the redraw timer (≤ 100 ms after the first transition), after the loads.
    for (let i = 0; i < 200 && writes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    clock = 61_000;
    screen.stop();
    screen.onTransition(transition('task', 'r.a-t', 'queued', 'running', { run_id: 'r', workstream_id: 'r.a' }));
    expect(loads).toEqual(['r', 'r']);
    const last = writes.at(-1)!;
    expect(writes.length).toBeGreaterThan(1);
    expect(last).toMatch(/^\x1b\[\d+F\x1b\[J/);
    expect(last.replace(/^\x1b\[\d+F\x1b\[J/, '')).toBe(
      [
        'run r  running  01:01',
        'workers  0 busy / 1 idle   uet  0 busy / 0 idle',
        'a                ready       [░░░░░░░░░░░░░░░░░░░░] 0/1 tasks',
        '                 tasks    1 queued',
        '… 10 more lines (terminal too short)',
        '',
      ].join('\n'),
    );
  });

  it('shows the engine’s last three distinct notes under the workers, oldest first, a repeated one moved last', () => {
    const writes: string[] = [];
    const screen = new ProgressScreen({ write: (t) => writes.push(t), columns: () => 120, rows: () => 7, color: false, load: async () => status, onError: (err) => { throw err; } });
    screen.onTransition(transition('task', 'r.a-t', 'pending', 'queued', { run_id: 'r', workstream_id: 'r.a' }));
    const waiting = 'no gantry worker is alive: start one';
    for (const n of ['worker r.a-1: busy → unresponsive (no heartbeat)', waiting, 'task r.a-t: running → failed (worker lost)', 'worker r.a-1: unresponsive → shutdown', waiting]) screen.note(n);
    screen.stop();
    // A view taller than the terminal is cut from the bottom: the notes, right under the workers, stay.
    expect(writes.at(-1)!.replace(/^\x1b\[\d+F\x1b\[J/, '').split('\n').slice(1, 6)).toEqual([
      'workers  0 busy / 0 idle   uet  0 busy / 0 idle',
      'note  task r.a-t: running → failed (worker lost)',
      'note  worker r.a-1: unresponsive → shutdown',
      'note  no gantry worker is alive: start one',
      '… 4 more lines (terminal too short)',
    ]);
  });

  it('allows colours unless NO_COLOR is set to something', () => {
    expect(colorAllowed({})).toBe(true);
    expect(colorAllowed({ NO_COLOR: '' })).toBe(true);
    expect(colorAllowed({ NO_COLOR: '1' })).toBe(false);
  });
});
