import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../cli/run-gantry.js';

const run = promisify(execFile);

/** What a child process printed and how it exited (never rejects on an exit code). */
export interface Exited {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` in `cwd` and resolves with its exit code and output, whatever the code. */
export async function exited(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Exited> {
  try {
    const { stdout, stderr } = await run(file, [...args], { cwd, env, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `env` without `DATABASE_URL` (and the schema variable), so the service and the CLI use embedded PGlite. */
export function pgliteEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, GANTRY_DB_SCHEMA: _schema, ...rest } = process.env;
  return rest;
}

/**
 * Packs the checkout with `npm pack` (whose `prepare` builds dist/) into `dir` and returns the tarball's path and
 * npm's description of it (files, sizes).
 */
export async function packCheckout(dir: string): Promise<{ tarball: string; files: number; size: number }> {
  const r = await exited('npm', ['pack', '--pack-destination', dir, '--json', '--silent'], ROOT);
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}):\n${r.stderr}`);
  // The build's own lines may precede npm's JSON on standard output.
  const json = r.stdout.slice(r.stdout.search(/^\[/m));
  const [info] = JSON.parse(json) as { filename: string; entryCount: number; size: number }[];
  return { tarball: join(dir, info!.filename), files: info!.entryCount, size: info!.size };
}

/**
 * Creates a fresh service project in `dir` (an ES module package of its own) and installs the tarball into it from
 * the warm npm cache, with `@types/node` as any TypeScript service on Node has — none of Gantry's dev dependencies.
 */
export async function installService(dir: string, tarball: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'a-service', private: true, type: 'module' }, null, 2)}\n`);
  const nodeTypes = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@types/node']!;
  const r = await exited('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${nodeTypes}`], dir);
  if (r.code !== 0) throw new Error(`npm install of the tarball failed (${r.code}):\n${r.stderr}`);
}

/**
 * The plain JavaScript service: imports the public API by package name, runs a task through its lifecycle with a
 * claim, reads its history, verifies the audit, and prints what it saw as JSON. PostgreSQL when `DATABASE_URL` is
 * set (schema `SERVICE_SCHEMA`), else PGlite in `.state/`.
 */
export const JS_SERVICE = `import { createDatabase, migrateToLatest, PersistedActors, verifyAudit, InvalidTransitionError } from 'gantry';
import { machineCatalog, applyEvent } from 'gantry/machines';
import { runPlan, loadPlan } from 'gantry/engine';

const url = process.env.DATABASE_URL;
const { db, close } = await createDatabase(url ? { url, schema: process.env.SERVICE_SCHEMA } : { stateDir: '.state' });
await migrateToLatest(db);
const actors = new PersistedActors({ db, transitionLog: null });
const seen = [];
actors.subscribe((t) => seen.push(t.from + '>' + t.to));
await actors.create('task', 'fix-lint', { max_retries: 2, required_capabilities: ['node'] });
await actors.send('task', 'fix-lint', { type: 'scheduler_assigned' });
const claimed = await actors.claim({ workerId: 'agent-1', capabilities: ['node'] });
await actors.send('task', 'fix-lint', { type: 'execution_completed', exit_code: 0 });
let refused = null;
try {
  await actors.send('task', 'fix-lint', { type: 'worker_started', worker_id: 'agent-2', worker_capabilities: ['node'] });
} catch (err) {
  refused = err instanceof InvalidTransitionError ? err.name : String(err);
}
await actors.send('task', 'fix-lint', { type: 'validation_passed' });
const view = await actors.load('task', 'fix-lint');
const history = await actors.history('task', 'fix-lint');
const audit = await verifyAudit(db);
let deep = null;
try {
  await import('gantry/dist/actors/index.js');
} catch (err) {
  deep = err.code;
}
await actors.close();
await close();
console.log(JSON.stringify({
  claimed: claimed.map((t) => t.id + ':' + t.to),
  seen,
  refused,
  state: view.state,
  worker: view.context.worker_id,
  history: history.map((r) => r.trigger),
  audit: { ok: audit.ok, rows: audit.rows },
  machines: Object.keys(machineCatalog).length,
  applyEvent: typeof applyEvent,
  engine: [typeof runPlan, typeof loadPlan],
  deep,
}));
`;

/** tsconfig of the strict TypeScript service: `module: nodenext`, strict, library checks on; `files` set per run. */
export function serviceTsconfig(files: readonly string[]): string {
  return `${JSON.stringify(
    {
      compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files,
    },
    null,
    2,
  )}\n`;
}

/** A strict TypeScript service that uses the library, the machines and the engine as documented: must compile. */
export const TS_SERVICE_OK = `import { createDatabase, migrateToLatest, PersistedActors, verifyAudit, type DatabaseHandle } from 'gantry';
import { machineCatalog, type EntityType } from 'gantry/machines';
import { loadPlan, runPlan, type RunStatus } from 'gantry/engine';

const handle: DatabaseHandle = await createDatabase({ stateDir: '.state' });
const { db, close } = handle;
await migrateToLatest(db);
const actors = new PersistedActors({ db, transitionLog: null });
await actors.create('task', 'fix-lint', { max_retries: 2, required_capabilities: ['node'] });
const sent = await actors.send('task', 'fix-lint', { type: 'scheduler_assigned' });
const claimed = await actors.claim({ workerId: 'agent-1', capabilities: ['node'] });
const view = await actors.load('task', 'fix-lint');
const types: EntityType[] = Object.values(machineCatalog).map((m) => m.entityType);
const ok: boolean = (await verifyAudit(db)).ok;
const status: RunStatus = await runPlan(actors, db, await loadPlan('plan.yaml'), { stateDir: '.state' });
const to: string = sent.to;
console.log(to, claimed.length, view.state, view.version, types, ok, status.state);
await actors.close();
await close();
`;

/** A service with two mistakes, each on its own line (see {@link TS_SERVICE_BAD_LINES}): both must be compile errors. */
export const TS_SERVICE_BAD = `import { createDatabase, PersistedActors } from 'gantry';

const { db } = await createDatabase({ stateDir: '.state' });
const actors = new PersistedActors({ db });
const id = 'fix-lint';
await actors.send('task', id, { type: 'no_such_event' });
await actors.create('tsak', id, {});
`;

/** The 1-based lines of {@link TS_SERVICE_BAD}: the wrong event, the unknown entity type. */
export const TS_SERVICE_BAD_LINES = { wrongEvent: 6, unknownEntityType: 7 } as const;

/** The small plan the installed `gantry` runs from the service's folder: one workstream, a `sh -c` task, one gate. */
export const SERVICE_PLAN = `run:
  id: svc-001
  phase: PH-1
  repository: ./repo
  target_branch: main
workers:
  orchestration:
    - id: agent
      capabilities: [sh]
workstreams:
  - id: hello
    critical: true
    gates:
      - id: has-hello
        type: LINT
        command: "test -f hello.txt"
        timeout_sec: 60
    tasks:
      - id: write-hello
        tool: sh
        command: ["sh", "-c", "echo hello > hello.txt"]
        gates: [has-hello]
        requires: [sh]
        timeout_sec: 60
`;
