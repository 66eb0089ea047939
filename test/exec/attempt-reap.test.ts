import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_ENV, reapTagged, runProcess, taggedPids } from '../../exec/index.js';
import { isAlive, waitUntilGone } from './process-liveness.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-reap-'));
});
afterAll(async () => {
  await reapTagged({ prefix: `reap-test-${process.pid}` });
  await rm(dir, { recursive: true, force: true });
});

/**
 * A shell that starts `child` under setsid and waits until it has left the shell's session (field 6 of
 * /proc/PID/stat), so that the group kill at the shell's exit cannot catch it before setsid does; prints its pid.
 */
const escaped = (child: string): string => `setsid ${child} & p=$!; echo $p; while [ "$(cut -d" " -f6 /proc/$p/stat)" = "$$" ]; do sleep 0.01; done`;

// Without a sandbox: a setsid child leaves the process group and the session; the attempt tag finds it (a
// double-forked child stays in the group and dies with it).
const ESCAPE = `${escaped('sh -c "sleep 0.6; echo x > sneaked.txt"')}; (sh -c "sleep 1000" &) ; exit 0`;

describe('attempt tags: nothing of an attempt outlives it (no sandbox)', () => {
  it('kills processes that left the group (setsid, double fork) before returning', async () => {
    const tag = `reap-test-${process.pid}/a#1/x`;
    const r = await runProcess({ command: ESCAPE, cwd: dir, attemptTag: tag });
    expect(r.exitCode).toBe(0);
    expect(r.strays).toContain(Number(r.stdout.trim()));
    expect(await taggedPids({ tag })).toEqual([]);
    for (const pid of r.strays) expect(isAlive(pid)).toBe(false);
    await sleep(900); // past the moment the setsid child would have written
    expect(existsSync(join(dir, 'sneaked.txt'))).toBe(false);
  });

  it('without a tag, a setsid child survives its command (what the tag is for)', async () => {
    const r = await runProcess({ command: escaped('sleep 1000'), cwd: dir, env: { [ATTEMPT_ENV]: `reap-test-${process.pid}/untagged` } });
    const pid = Number(r.stdout.trim());
    expect(isAlive(pid)).toBe(true);
    expect(await reapTagged({ prefix: `reap-test-${process.pid}/untagged` })).toEqual([pid]);
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it('finds a lost attempt by its task prefix (a killed engine\'s leftovers), and only those', async () => {
    const tagged = (tag: string) => runProcess({ command: escaped('sleep 1000'), cwd: dir, env: { [ATTEMPT_ENV]: tag } });
    const lost = Number((await tagged(`reap-test-${process.pid}/t1#1/n`)).stdout.trim());
    const other = Number((await tagged(`reap-test-${process.pid}/t10#1/n`)).stdout.trim());
    expect(await reapTagged({ prefix: `reap-test-${process.pid}/t1#` })).toEqual([lost]);
    expect(await waitUntilGone(lost)).toBe(true);
    expect(isAlive(other)).toBe(true);
    await reapTagged({ prefix: `reap-test-${process.pid}/t10#` });
    expect(await waitUntilGone(other)).toBe(true);
  });

  it('reads the tag only as a whole variable', async () => {
    const r = await runProcess({ command: escaped('sleep 1000'), cwd: dir, env: { [`X_${ATTEMPT_ENV}`]: `reap-test-${process.pid}/fake` } });
    const pid = Number(r.stdout.trim());
    expect(await taggedPids({ prefix: `reap-test-${process.pid}/fake` })).toEqual([]);
    process.kill(pid, 'SIGKILL');
    expect(await waitUntilGone(pid)).toBe(true);
  });
});
