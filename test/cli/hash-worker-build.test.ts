import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildTestCli } from '../support/cli-build.js';

// `audit verify` re-hashes on a worker thread whose module is found beside the checker's own: in the compiled package
// (dist/, what users install and the CLI runs) that is dist/actors/hash-check-worker.js, loaded without tsx.
describe('the audit hash worker in the compiled package', () => {
  it('starts from dist/ and answers a job', async () => {
    const dist = join(dirname(dirname(await buildTestCli())), 'dist');
    const mod = (await import(pathToFileURL(join(dist, 'actors', 'hash-checker.js')).href)) as typeof import('../../actors/hash-checker.js');
    const checker = new mod.HashChecker();
    try {
      expect(await checker.check([])).toBe(-1);
    } finally {
      await checker.close();
    }
  }, 120_000);
});
