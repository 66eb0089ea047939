import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_ENV, reapTagged, runProcess } from '../../exec/index.js';
import { runIds } from '../../engine/index.js';
import { attemptTag, runTagPrefix, workstreamTagPrefix } from '../../engine/task-sandbox.js';
import { isAlive, waitUntilGone } from '../exec/process-liveness.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-tag-scope-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that outlives its shell (setsid), tagged like an attempt of a task; resolves with its pid. */
async function lostAttempt(tag: string): Promise<number> {
  // The shell waits until the child left its session, so the group kill at the shell's exit cannot catch it first.
  const command = 'setsid sleep 1000 & p=$!; echo $p; while [ "$(cut -d" " -f6 /proc/$p/stat)" = "$$" ]; do sleep 0.01; done';
  const r = await runProcess({ command, cwd: dir, env: { [ATTEMPT_ENV]: tag } });
  return Number(r.stdout.trim());
}

// Run ids are unique per database only: two checkouts (two state directories) may run the same plan, the same run id,
// on one host. Before each attempt the engine kills every leftover of the workstream's worktree, and resume kills every
// process of the run: neither may reach the other checkout's processes (a crash-matrix run once lost its gates so).
describe('attempt tags are scoped to the state directory as well as the run', () => {
  const a = { ids: runIds('same-run'), stateDir: join(tmpdir(), 'checkout-a', '.state') };
  const b = { ids: runIds('same-run'), stateDir: join(tmpdir(), 'checkout-b', '.state') };

  it('the same run id in two state directories gives two prefixes; the same directory, however written, one', () => {
    expect(runTagPrefix(a)).not.toBe(runTagPrefix(b));
    expect(runTagPrefix({ ...a, stateDir: join(a.stateDir, '..', '.state') })).toBe(runTagPrefix(a));
    expect(attemptTag(a, 'core', 't', 1).startsWith(workstreamTagPrefix(a, 'core'))).toBe(true);
    expect(attemptTag(a, 'core', 't', 1, 'unit').startsWith(runTagPrefix(a))).toBe(true);
  });

  it('reaping one checkout\'s leftovers (a workstream, or the whole run on resume) spares the other\'s process', async () => {
    const other = await lostAttempt(attemptTag(b, 'core', 't', 1));
    const mine = await lostAttempt(attemptTag(a, 'core', 't', 1));
    try {
      expect(await reapTagged({ prefix: workstreamTagPrefix(a, 'core') })).toEqual([mine]);
      expect(await waitUntilGone(mine)).toBe(true);
      expect(await reapTagged({ match: (tag) => tag.startsWith(runTagPrefix(a)), label: 'run same-run' })).toEqual([]);
      expect(isAlive(other)).toBe(true);
    } finally {
      await reapTagged({ prefix: runTagPrefix(b) });
    }
    expect(await waitUntilGone(other)).toBe(true);
  });
});
