import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { createDatabase, migrateToLatest } from '../../persistence/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Content key of the schema: the migration sources and the PGlite version, so an edited migration never reuses a stale template. */
function templateKey(): string {
  const hash = createHash('sha256');
  const dir = join(ROOT, 'migrations');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
  return hash.update(pkg.version).digest('hex').slice(0, 16);
}

/**
 * Path of a migrated PGlite data-directory dump (`dumpDataDir`), built once and cached in the temp
 * folder under a content key; concurrent builders write to a private file and rename it into place.
 */
export async function buildPgliteTemplate(): Promise<string> {
  const dir = join(tmpdir(), 'gantry-test-templates');
  const path = join(dir, `pglite-${templateKey()}.tar`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const pglite = new PGlite();
  const handle = await createDatabase({ pglite });
  try {
    await migrateToLatest(handle.db);
    const dump = await pglite.dumpDataDir('none');
    const tmp = `${path}.${process.pid}.${Date.now()}`;
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, path);
  } finally {
    await handle.close();
  }
  return path;
}

/** A new in-memory PGlite loaded from the template dump (~0.5 s instead of ~3 s for a fresh one plus migrations). */
export async function pgliteFromTemplate(path: string): Promise<PGlite> {
  const data = await readFile(path);
  const pglite = new PGlite({ loadDataDir: new Blob([data]) });
  await pglite.waitReady;
  return pglite;
}
