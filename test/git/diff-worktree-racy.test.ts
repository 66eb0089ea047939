import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, diffWorktree, initRepo, runGit } from '../../git/index.js';

// A change of the same size made right after the index was written (same second: "racily clean" in git's terms) is
// still part of the worktree's diff: the scratch copy of the index keeps the real index's time, so git still checks
// such entries by content (found by the conflict-round tests under load: a task's one-character edit was lost).
describe('diffWorktree sees a same-size change made in the second the index was written', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-racy-'));
    await initRepo(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('for each of 20 edits right after a commit and a reset', async () => {
    for (let i = 0; i < 20; i++) {
      await writeFile(join(dir, 'f.js'), `x = ${i % 10};\n`);
      await commitAll(dir, `v${i}`);
      await runGit(dir, ['reset', '--hard', '--quiet', 'HEAD']);
      await writeFile(join(dir, 'f.js'), `x = ${(i + 1) % 10};\n`);
      expect(await diffWorktree(dir, 'HEAD'), `edit ${i}`).toContain(`+x = ${(i + 1) % 10};`);
      await runGit(dir, ['checkout', '--', 'f.js']);
    }
  });
});
