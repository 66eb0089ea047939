import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../persistence/index.js';
import { ROOT } from '../cli/run-gantry.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';
import {
  exited,
  installService,
  JS_SERVICE,
  packCheckout,
  pgliteEnv,
  SERVICE_PLAN,
  serviceTsconfig,
  TS_SERVICE_BAD,
  TS_SERVICE_BAD_LINES,
  TS_SERVICE_OK,
} from './service-fixtures.js';

/** A first start of embedded PGlite (initdb of a new data directory) takes a while on a loaded machine. */
const SLOW = 240_000;

/** The TypeScript compiler of our devDependencies. */
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');

// Gantry as a service gets it: `npm pack` (which builds dist/), the tarball installed into a fresh project, then
// used from that project only — plain `node`, a strict TypeScript build, the installed `gantry` binary.
describe('the packed gantry, installed into a fresh service', () => {
  let dir = '';
  let service = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-package-'));
    const { tarball } = await packCheckout(dir);
    service = join(dir, 'service');
    await installService(service, tarball);
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs none of Gantry’s dev dependencies (xstate, a peer dependency, apart; @types/node is the service’s own)', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; peerDependencies: Record<string, string> };
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => !(d in pkg.peerDependencies) && d !== '@types/node');
    expect(devOnly).toContain('@statelyai/inspect');
    expect(devOnly.filter((d) => existsSync(join(service, 'node_modules', d)))).toEqual([]);
    expect(existsSync(join(service, 'node_modules', 'xstate'))).toBe(true);
  });

  describe.each(testDatabases())('a plain JavaScript ES module service on %s', (kind) => {
    it('imports the API by package name and runs a task through its lifecycle, claims, reads history, verifies the audit', async () => {
      await writeFile(join(service, 'service.mjs'), JS_SERVICE);
      const schema = kind === 'postgres' ? uniqueSchemaName() : null;
      const env = schema ? { ...pgliteEnv(), DATABASE_URL: process.env['DATABASE_URL'], SERVICE_SCHEMA: schema } : pgliteEnv();
      try {
        const r = await exited(process.execPath, ['service.mjs'], service, env);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout) as Record<string, unknown>;
        expect(out).toEqual({
          claimed: ['fix-lint:running'],
          seen: ['pending>queued', 'queued>running', 'running>validating', 'validating>completed'],
          refused: 'InvalidTransitionError',
          state: 'completed',
          worker: null,
          history: ['create', 'scheduler_assigned', 'worker_started', 'execution_completed', 'validation_passed'],
          audit: { ok: true, rows: 5 },
          machines: 8,
          applyEvent: 'function',
          engine: ['function', 'function'],
          deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
        });
      } finally {
        if (schema) {
          const h = await createDatabase({ url: process.env['DATABASE_URL']! });
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(h.db);
          await h.close();
        }
      }
    }, SLOW);
  });

  describe('a strict TypeScript service (module nodenext)', () => {
    it('compiles against the package’s types, without any of Gantry’s dev dependencies', async () => {
      await writeFile(join(service, 'ok.ts'), TS_SERVICE_OK);
      await writeFile(join(service, 'tsconfig.json'), serviceTsconfig(['ok.ts']));
      const r = await exited(TSC, ['-p', 'tsconfig.json'], service);
      expect(r.stdout + r.stderr).toBe('');
      expect(r.code).toBe(0);
    });

    it('does not compile a wrong event or an unknown entity type, with the error on that line', async () => {
      await writeFile(join(service, 'bad.ts'), TS_SERVICE_BAD);
      await writeFile(join(service, 'tsconfig.bad.json'), serviceTsconfig(['bad.ts']));
      const r = await exited(TSC, ['-p', 'tsconfig.bad.json'], service);
      expect(r.code).not.toBe(0);
      const lines = [...r.stdout.matchAll(/^bad\.ts\((\d+),\d+\): error/gm)].map((m) => Number(m[1]));
      expect(new Set(lines)).toEqual(new Set([TS_SERVICE_BAD_LINES.wrongEvent, TS_SERVICE_BAD_LINES.unknownEntityType]));
    });
  });

  describe('the installed gantry binary', () => {
    it('runs a small plan from the service’s own folder with npx gantry run plan.yaml', async () => {
      const repo = join(service, 'repo');
      await mkdir(repo);
      const git = (...args: string[]) => exited('git', ['-c', 'user.name=Service', '-c', 'user.email=service@localhost', ...args], repo);
      expect((await git('init', '--quiet', '--initial-branch=main')).code).toBe(0);
      await writeFile(join(repo, 'README.md'), 'a service repository\n');
      expect((await git('add', '-A')).code).toBe(0);
      expect((await git('commit', '--quiet', '-m', 'initial')).code).toBe(0);
      await writeFile(join(service, 'plan.yaml'), SERVICE_PLAN);

      const r = await exited('npx', ['--no-install', 'gantry', 'run', 'plan.yaml', '--json'], service, pgliteEnv());
      // Standard error holds only the embedded database's opening (first line within a second) and the run-end checkpoint.
      const notes = r.stderr.split('\n').filter((l) => l !== '');
      expect(notes.filter((l) => !/^gantry: (opening the embedded database at |embedded database open \(|audit checkpoint \d+: )/.test(l))).toEqual([]);
      expect(notes[0]).toMatch(/^gantry: opening the embedded database at /);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { state: string }).state).toBe('succeeded');
      expect((await git('show', 'main:hello.txt')).stdout).toBe('hello\n');
    }, SLOW);
  });
});
