import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PersistedActors } from '../../actors/index.js';
import { runPlan, type EngineOptions, type RunStatus } from '../../engine/index.js';
import { commitAll, initRepo } from '../../git/index.js';
import { loadPlan } from '../../plan/index.js';
import { afterAll, beforeAll } from 'vitest';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from '../support/test-database.js';

/** A temp folder with a git repository `repo/` (branch main, one commit of `files`) and room for a plan and state. */
export interface EngineSandbox {
  readonly dir: string;
  readonly repo: string;
  readonly stateDir: string;
  cleanup(): Promise<void>;
}

/** Creates a sandbox whose repository holds `files` (path → content) on `main`. */
export async function makeSandbox(files: Record<string, string> = { 'src/app.js': 'export const x = 1;\n' }): Promise<EngineSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-engine-'));
  const repo = join(dir, 'repo');
  await initRepo(repo);
  for (const [p, c] of Object.entries(files)) {
    await mkdir(dirname(join(repo, p)), { recursive: true });
    await writeFile(join(repo, p), c);
  }
  await commitAll(repo, 'initial');
  return { dir, repo, stateDir: join(dir, 'state'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A node command writing `content` to `file` (relative to the worktree). */
export function writeCmd(file: string, content: string): string[] {
  return ['node', '-e', `require('fs').mkdirSync(require('path').dirname(${JSON.stringify(file)}),{recursive:true});require('fs').writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(content)})`];
}

/** {@link writeCmd}, then keeps the process alive `ms` (a window in which the engine is stopped or killed). */
export function slowWriteCmd(file: string, content: string, ms: number): string[] {
  const [node, flag, code] = writeCmd(file, content);
  return [node!, flag!, `${code};setTimeout(()=>{}, ${ms})`];
}

/** Writes `plan` (an object, JSON) into the sandbox and runs it with fresh actors on `db`; fast retry settings; `options` over the test defaults. */
export async function runSandboxPlan(box: EngineSandbox, db: TestDatabase, plan: Record<string, unknown>, options: Partial<EngineOptions> = {}): Promise<{ status: RunStatus; actors: PersistedActors }> {
  const file = join(box.dir, 'plan.json');
  const full = { retry: { backoff_base_ms: 10, backoff_cap_ms: 40 }, ...plan, run: { phase: 'PH-1', repository: './repo', target_branch: 'main', ...(plan['run'] as object) } };
  await writeFile(file, JSON.stringify(full, null, 2));
  const loaded = await loadPlan(file);
  // One clock: a test clock given to the engine stamps the actors' events too.
  const clock = options.clock;
  const actors = new PersistedActors({ db: db.db, ...(clock ? { clock: () => clock.now() } : {}) });
  const status = await runPlan(actors, db.db, loaded, { stateDir: box.stateDir, heartbeatIntervalMs: 200, killGraceMs: 200, ...options });
  await actors.close();
  return { status, actors };
}

/** One engine test file's shared state: its database (opened before the tests) and sandboxes (removed after). */
export interface EngineSuite {
  /** The file's database; valid inside tests. */
  readonly db: TestDatabase;
  /** A new sandbox (its repository holding `files`, default one source file), cleaned up after the file. */
  sandbox(files?: Record<string, string>): Promise<EngineSandbox>;
}

/** Registers the hooks of an engine test suite on `kind`: one database for the file, sandboxes cleaned up after. */
export function engineSuite(kind: TestDatabaseKind): EngineSuite {
  let db: TestDatabase | null = null;
  const boxes: EngineSandbox[] = [];
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
    for (const b of boxes) await b.cleanup();
  });
  return {
    get db(): TestDatabase {
      if (!db) throw new Error('the suite database is opened in beforeAll: use it inside tests');
      return db;
    },
    async sandbox(files?: Record<string, string>) {
      const b = await makeSandbox(files);
      boxes.push(b);
      return b;
    },
  };
}
