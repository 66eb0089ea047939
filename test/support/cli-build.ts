import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The tests' private builds, inside the checkout so that the compiled code resolves this checkout's node_modules. */
const BUILDS = join(ROOT, '.test-build');
/** Age after which a build of other sources (or a builder's leftover) is removed: an hour. */
const STALE_BUILD_MS = 3600_000;
/** What the build reads: the compiled folders (tsconfig.build.json's include), the root barrel and the build itself. */
const INPUTS = ['index.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.js', 'bin/gantry.js',
  'machines', 'actors', 'persistence', 'migrations', 'plan', 'exec', 'git', 'coverage', 'engine', 'ops', 'visualizer', 'cli'];

/** Every input file under `path`, sorted, so the key does not depend on directory order. */
function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => files(join(path, name)));
}

/** Content key of the sources the CLI is compiled from: an edited source never reuses a stale build. */
function buildKey(): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) for (const f of files(join(ROOT, input))) hash.update(f.slice(ROOT.length)).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Path of the compiled CLI (`<build>/bin/gantry.js` running `<build>/dist/`) the tests spawn: the sources compiled
 * with `scripts/build.js --out … --no-declarations` once per content key, so every CLI test runs what a user installs
 * and starts in a fraction of the time of the TypeScript sources through tsx (bin/gantry-dev.js). Concurrent builders
 * build in private folders and rename one into place; builds of other keys are removed after an hour.
 */
export async function buildTestCli(): Promise<string> {
  const key = buildKey();
  const home = join(BUILDS, key);
  const bin = join(home, 'bin', 'gantry.js');
  if (existsSync(bin)) return bin;
  const tmp = join(BUILDS, `${key}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build.js'), '--out', join(tmp, 'dist'), '--no-declarations'], { cwd: ROOT });
  await mkdir(join(tmp, 'bin'), { recursive: true });
  await copyFile(join(ROOT, 'bin', 'gantry.js'), join(tmp, 'bin', 'gantry.js'));
  await rename(tmp, home).catch(async (err: NodeJS.ErrnoException) => {
    if (!existsSync(bin)) throw err; // another builder won the race with the same sources
    await rm(tmp, { recursive: true, force: true });
  });
  // Builds of other sources go once they are an hour old: a test run still using one (started before an edit) keeps it.
  for (const old of await readdir(BUILDS)) {
    const path = join(BUILDS, old);
    if (old !== key && Date.now() - (await stat(path)).mtimeMs > STALE_BUILD_MS) await rm(path, { recursive: true, force: true });
  }
  return bin;
}
