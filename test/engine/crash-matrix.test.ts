import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { advanceTargetHead, archiveBranch, branchLockFile, mergeBranch, removeWorktree, revParse } from '../../git/index.js';
import { ROOT } from '../cli/run-gantry.js';
import { testDatabases, type TestDatabaseKind } from '../support/test-database.js';
import {
  crashOutcome,
  crashSide,
  dropSide,
  leftovers,
  openSide,
  resumeCrashRun,
  runUntilKilled,
  transitionKinds,
  type CrashOutcome,
  type CrashSide,
} from './crash-fixtures.js';

// Issue 12, crash-consistent resume: the crash plan (test/engine/crash-fixtures.ts) runs once uninterrupted; then, for
// every kind of state change in that run's audit stream (machine, from-state, event) and for the points inside a
// step (a gate's command running, a merge moving the target branch, an archive), it runs again, is SIGKILLed right after that
// transition committed, and `gantry resume` must reach the same outcome: the same states, each workstream merged
// exactly once, the same tree on main, and no worktree or branch lock left. The full matrix runs on PostgreSQL (on
// PGlite when there is no PostgreSQL), a few points on PGlite; the table is docs/crash-matrix.md.

/** How the test finishes a crash before `resume`: nothing, what a merge cut short had already done to main, or an archive cut short before its file. */
type Simulate = 'none' | 'merged' | 'merged-and-recorded' | 'archived';

/** One kill point: the progress line whose commit kills the engine, a delay after it, and a simulated step. */
interface KillPoint {
  readonly name: string;
  readonly line: string;
  readonly delayMs: number;
  readonly simulate: Simulate;
}

/** What resume reached from one kill point. */
interface PointResult {
  readonly point: KillPoint;
  readonly killed: boolean;
  readonly resumeCode: number | null;
  readonly differences: string[];
  readonly left: string[];
  /** When the kill line never came: how the run ended and the end of what it printed, for the failure message. */
  readonly missed: string;
}

const MATRIX_FILE = join(ROOT, 'docs', 'crash-matrix.md');
const MERGE_LINE = 'workstream      {R}.core: executing → validating (tasks_completed)';
const ARCHIVE_LINE = 'workstream      {R}.docs: executing → failed (tasks_settled)';
const SLOW_GATE_LINE = 'test_gate       {R}.write-b.slow-b.a1: PENDING → RUNNING (start)';

/** What differs between two outcomes, one line per difference. */
function differences(want: CrashOutcome, got: CrashOutcome): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(want.states), ...Object.keys(got.states)])) {
    if (want.states[k] !== got.states[k]) out.push(`${k}: ${got.states[k] ?? 'missing'} (uninterrupted: ${want.states[k] ?? 'missing'})`);
  }
  if (JSON.stringify(want.archives) !== JSON.stringify(got.archives)) out.push(`archives: ${got.archives.join(' / ') || 'none'}`);
  if (JSON.stringify(want.merges) !== JSON.stringify(got.merges)) out.push(`merges on main: ${got.merges.join(' / ') || 'none'}`);
  if (want.tree !== got.tree) out.push('tree of main differs');
  return out;
}

/**
 * Does what a step killed half way did: a merge moved main (its record not, or the record too), a dead holder's lock
 * left; or an archive removed the worktree and archived the branch but wrote no file.
 */
async function simulate(s: CrashSide, how: Simulate, deadPid: number): Promise<void> {
  if (how === 'none') return;
  const repo = s.box.repo;
  if (how === 'archived') {
    await removeWorktree(repo, join(s.box.stateDir, 'worktrees', s.runId, 'docs'));
    await archiveBranch(repo, `gantry/${s.runId}/docs`);
    return;
  }
  const before = await revParse(repo, 'refs/heads/main');
  const after = await mergeBranch(repo, 'main', `gantry/${s.runId}/core`, `Merge workstream core of run ${s.runId} (gantry)`);
  if (how === 'merged-and-recorded') await advanceTargetHead(repo, 'main', before, after);
  const lock = { holder: `gantry run ${s.runId} (merge of core)`, pid: deadPid, host: hostname(), since: new Date().toISOString(), nonce: 'dead' };
  const file = await branchLockFile(repo, 'main');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(lock));
}

async function runPoint(kind: TestDatabaseKind, reference: CrashOutcome, point: KillPoint): Promise<PointResult> {
  const s = await crashSide(kind);
  try {
    const run = await runUntilKilled(s, point.line, point.delayMs);
    // The killed engine's pid names the lock a merge left (any pid that is gone does).
    if (run.killed) await simulate(s, point.simulate, 2 ** 22 + 1);
    const resumed = await resumeCrashRun(s);
    const got = await crashOutcome(s);
    const missed = run.killed ? '' : `exit ${run.code}; looked for ${JSON.stringify(point.line)}; stdout ends:\n${run.stdout.split('\n').slice(-25).join('\n')}\nstderr ends:\n${run.stderr.split('\n').slice(-10).join('\n')}`;
    return { point, killed: run.killed, resumeCode: resumed.code, differences: differences(reference, got), left: await leftovers(s), missed };
  } finally {
    await dropSide(s);
  }
}

/** Runs `fn` over `items`, `width` at a time, keeping their order. */
async function pool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

function outcomeCell(r: PointResult): string {
  if (!r.killed) return 'not reached (the run ended first)';
  if (r.resumeCode === null) return 'resume hung';
  const bad = [...r.differences, ...r.left.map((l) => `left behind: ${l}`)];
  return bad.length === 0 ? `uninterrupted outcome (resume exit ${r.resumeCode})` : bad.join('; ').replaceAll('|', '\\|');
}

/** docs/crash-matrix.md: kill point → outcome. */
function renderMatrix(results: readonly PointResult[]): string {
  const rows = results.map((r, i) => `| ${i + 1} | ${r.point.name} | ${outcomeCell(r)} |`);
  return [
    '# Crash matrix',
    '',
    'Generated by `test/engine/crash-matrix.test.ts` (issue 12, crash-consistent resume; write it again with',
    '`GANTRY_UPDATE_CRASH_MATRIX=1`). The crash plan of `test/engine/crash-fixtures.ts` (three workstreams, `feature`',
    'after `core`, two gates one after the other, a failing task in a non-critical workstream) ran once uninterrupted;',
    'then, for each kind of state change in its audit stream and for the points inside a step, it ran again with the',
    'real CLI, was SIGKILLed right after that transition committed (or, mid-gate, while the gate\'s command ran), and',
    '`gantry resume` continued it. "Uninterrupted outcome" means: the same run, workstream, task, patch and gate',
    'states, the same archives (files and refs), each workstream merged into main exactly once, the same tree on main,',
    'and no worktree or branch lock left.',
    'The full matrix runs on PostgreSQL (on PGlite when there is none); PGlite runs the mid-gate and mid-merge points.',
    '',
    '| # | kill point | outcome after resume |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const KINDS = testDatabases();
/** The database the whole matrix runs on: PostgreSQL when there is one (faster to start), else PGlite. */
const FULL: TestDatabaseKind = KINDS.includes('postgres') ? 'postgres' : 'pglite';

describe.each(KINDS)('crash matrix (%s)', (kind) => {
  let reference: CrashOutcome;
  let points: KillPoint[] = [];

  beforeAll(async () => {
    const s = await crashSide(kind);
    try {
      const run = await runUntilKilled(s, null);
      expect(run.killed).toBe(false);
      expect(await leftovers(s)).toEqual([]);
      reference = await crashOutcome(s);
      const h = await openSide(s);
      const kinds = await transitionKinds(h, s.runId).finally(() => h.close());
      points = [
        ...[...kinds].sort((a, b) => a.key.localeCompare(b.key)).map((k): KillPoint => ({ name: `\`${k.key}\``, line: k.line, delayMs: 0, simulate: 'none' })),
        { name: 'mid-gate: the slow gate\'s command running (400 ms after its `start`)', line: SLOW_GATE_LINE, delayMs: 400, simulate: 'none' },
        { name: 'mid-merge: main moved to the merge commit, its record not, the lock left', line: MERGE_LINE, delayMs: 0, simulate: 'merged' },
        { name: 'mid-merge: main and its record moved, the lock left', line: MERGE_LINE, delayMs: 0, simulate: 'merged-and-recorded' },
        { name: 'mid-archive: worktree removed and branch archived, no archive file yet', line: ARCHIVE_LINE, delayMs: 0, simulate: 'archived' },
      ];
    } finally {
      await dropSide(s);
    }
  }, 120_000);

  it('the uninterrupted run is the reference: core and feature merged once, docs failed (EXT-5), the run failed (R-1)', () => {
    expect(reference.states['runs:{R}']).toBe('failed');
    expect(reference.states['workstreams:{R}.docs']).toBe('failed');
    expect(reference.archives).toEqual(['file docs.json', 'refs/gantry/archive/gantry/{R}/docs']);
    expect(reference.merges).toEqual(['Merge workstream core of run {R} (gantry)', 'Merge workstream feature of run {R} (gantry)']);
    expect(points.length).toBeGreaterThan(20);
  });

  it('resume reaches the uninterrupted outcome from every kill point', async () => {
    const chosen = kind === FULL ? points : points.filter((p) => p.line === SLOW_GATE_LINE || p.line === MERGE_LINE);
    const width = Number(process.env['GANTRY_CRASH_WIDTH'] ?? (kind === 'postgres' ? 4 : 2));
    const results = await pool(chosen, width, (p) => runPoint(kind, reference, p));
    const matrix = renderMatrix(results);
    console.log(matrix);
    if (kind === FULL && process.env['GANTRY_UPDATE_CRASH_MATRIX'] === '1') await writeFile(MATRIX_FILE, matrix);
    for (const r of results) {
      expect.soft(r.killed, `${r.point.name} ${r.missed}`).toBe(true);
      expect.soft(outcomeCell(r), r.point.name).toBe(`uninterrupted outcome (resume exit 1)`);
    }
    if (kind === FULL) expect(await readFile(MATRIX_FILE, 'utf8')).toBe(matrix);
  }, 600_000);
});
