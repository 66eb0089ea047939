import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../../exec/index.js';
import { firstPid, isAlive, waitUntilGone } from './process-liveness.js';

let dir: string;
const strays: number[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-exec-tree-'));
});
afterAll(async () => {
  for (const pid of strays) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

// A shell that starts a grandchild, prints its pid and waits for it.
const TREE = 'sleep 1000 & echo $!; wait';

describe('runProcess: stopping the whole process tree', () => {
  it('on timeout sends SIGTERM to the group: the shell and its sleep grandchild are gone', async () => {
    const r = await runProcess({ command: TREE, cwd: dir, timeoutMs: 300, killGraceMs: 300 });
    const grandchild = firstPid(r.stdout);
    strays.push(grandchild);
    expect(r).toMatchObject({ timedOut: true, cancelled: false, exitCode: null, signal: 'SIGTERM' });
    expect(await waitUntilGone(grandchild)).toBe(true);
    expect(await waitUntilGone(r.pid!)).toBe(true);
  });

  it('escalates to SIGKILL after the grace period when the tree ignores SIGTERM', async () => {
    const r = await runProcess({ command: `trap "" TERM; ${TREE}`, cwd: dir, timeoutMs: 200, killGraceMs: 200 });
    const grandchild = firstPid(r.stdout);
    strays.push(grandchild);
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('on abort stops the tree and reports cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const r = await runProcess({ command: ['sh', '-c', TREE], cwd: dir, signal: controller.signal, killGraceMs: 300 });
    const grandchild = firstPid(r.stdout);
    strays.push(grandchild);
    expect(r).toMatchObject({ cancelled: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
    expect(await waitUntilGone(grandchild)).toBe(true);
  });

  it('does not start at all when the signal is already aborted', async () => {
    const r = await runProcess({ command: ['sleep', '1000'], cwd: dir, signal: AbortSignal.abort() });
    expect(r).toMatchObject({ cancelled: true, pid: null, exitCode: null, stdout: '' });
  });

  it('kills background children left behind when the leader exits, and does not wait for their pipes', async () => {
    const r = await runProcess({ command: 'sleep 1000 & echo $!; exit 0', cwd: dir });
    const leftover = firstPid(r.stdout);
    strays.push(leftover);
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, cancelled: false });
    expect(await waitUntilGone(leftover)).toBe(true);
  });

  it('returns even when a process that left the group (setsid) still holds the pipes', async () => {
    // The leader waits until its child has left its session (field 6 of /proc/PID/stat), so the
    // group kill at the leader's exit cannot catch the child before setsid does.
    const escape = 'setsid sleep 1000 & p=$!; echo $p; while [ "$(cut -d" " -f6 /proc/$p/stat)" = "$$" ]; do sleep 0.01; done; exit 4';
    const r = await runProcess({ command: escape, cwd: dir, pipeDrainMs: 100 });
    const escaped = firstPid(r.stdout);
    strays.push(escaped);
    expect(r).toMatchObject({ exitCode: 4, timedOut: false });
    // It is outside our group, so it survives; the test cleans it up.
    expect(isAlive(escaped)).toBe(true);
    process.kill(escaped, 'SIGKILL');
    expect(await waitUntilGone(escaped)).toBe(true);
  });

  it('keeps the output printed before a timeout', async () => {
    const r = await runProcess({ command: 'echo started; echo warn >&2; sleep 1000', cwd: dir, timeoutMs: 200, killGraceMs: 100 });
    expect(r).toMatchObject({ timedOut: true, stdout: 'started\n', stderr: 'warn\n' });
  });
});
