/**
 * Start-up time of the installed `gantry` (the compiled bin/gantry.js, no TypeScript loader) beside a bare Node:
 * `node -e 0`, `gantry --help`, `gantry machines`, and `gantry status` on an existing PGlite state directory (a
 * finished run of a one-task plan, made first) beside PGlite alone on that directory (a Node process that opens it,
 * runs `select 1` and closes it: the floor of any command that reads the embedded database). Each command runs N
 * times, interleaved; prints the median, the fastest, and the median minus `node -e 0`'s (what Gantry itself costs),
 * side by side.
 *
 * Run: `npm run bench:startup` (or `npx tsx bench/startup.bench.ts [runs=15]`). Builds dist/ first (`npm run build`).
 * It asserts nothing; figures depend on the machine and its load.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRepo } from './bench-repo.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'gantry.js');
const runs = Number(process.argv[2] ?? 15);
const PGLITE = import.meta.resolve('@electric-sql/pglite');

/** `node` arguments of PGlite alone: open the data directory of `state`, `select 1`, close. */
function pgliteAlone(state: string): string[] {
  const open = `const { PGlite } = await import(${JSON.stringify(PGLITE)}); const db = new PGlite(${JSON.stringify(join(state, 'pgdata'))});`;
  return ['--input-type=module', '-e', `${open} await db.query('select 1'); await db.close();`];
}

/** A PGlite state directory holding one finished run (a task writing a file, one gate), for `gantry status`. */
function stateDirWithARun(dir: string): string {
  const repo = join(dir, 'repo');
  benchRepo(repo);
  writeFileSync(
    join(dir, 'plan.yaml'),
    [
      'run: { id: bench-001, phase: PH-1, repository: ./repo, target_branch: main }',
      'workers: { orchestration: [{ id: agent, capabilities: [sh] }] }',
      'workstreams:',
      '  - id: one',
      '    gates: [{ id: has-file, type: LINT, command: "test -f out.txt", timeout_sec: 60 }]',
      '    tasks: [{ id: write, tool: sh, command: ["sh", "-c", "echo x > out.txt"], gates: [has-file], requires: [sh], timeout_sec: 60 }]',
      '',
    ].join('\n'),
  );
  const state = join(dir, 'state');
  const r = spawnSync(process.execPath, [BIN, 'run', 'plan.yaml', '--state-dir', state, '--json'], { cwd: dir, env: pgliteEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the setup run failed (${r.status}): ${r.stderr}`);
  return state;
}

function pgliteEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, GANTRY_DB_SCHEMA: _schema, ...rest } = process.env;
  return rest;
}

/** Wall time of one run of `node args` in ms; throws when it exits non-zero. */
function timeOnce(args: readonly string[], cwd: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env: pgliteEnv(), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
const dir = mkdtempSync(join(tmpdir(), 'gantry-startup-'));
try {
  const state = stateDirWithARun(dir);
  const cases: [string, string[]][] = [
    ['node -e 0', ['-e', '0']],
    ['gantry --help', [BIN, '--help']],
    ['gantry machines', [BIN, 'machines']],
    ['gantry status (PGlite)', [BIN, 'status', '--state-dir', state]],
    ['PGlite alone (open, select 1)', pgliteAlone(state)],
  ];
  const times = new Map(cases.map(([name]) => [name, [] as number[]]));
  for (let i = 0; i < runs; i++) for (const [name, args] of cases) times.get(name)!.push(timeOnce(args, dir));
  const base = median(times.get('node -e 0')!);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);
  const width = Math.max(...cases.map(([n]) => n.length));
  console.log(`${'command'.padEnd(width)}  median ms  fastest ms  median − node -e 0   (${runs} runs each, interleaved)`);
  for (const [name] of cases) {
    const xs = times.get(name)!;
    const m = median(xs);
    console.log(`${name.padEnd(width)}  ${m.toFixed(0).padStart(9)}  ${Math.min(...xs).toFixed(0).padStart(10)}  ${(m - base).toFixed(0).padStart(18)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
