import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram, probeSandbox, runProcess, type SandboxSpec } from '../../exec/index.js';
import { firstPid, waitUntilGone } from './process-liveness.js';

// Real bubblewrap (Debian `bubblewrap`, installed by .ci/run): what a sandboxed command can see and touch.
let dir: string;
let spec: SandboxSpec;
beforeAll(async () => {
  const probe = await probeSandbox();
  if (!probe.ok) throw new Error(`these tests need bubblewrap: ${probe.reason}`);
  dir = await realpath(await mkdtemp(join(tmpdir(), 'gantry-sandbox-')));
  for (const d of ['work', 'repo/.git/hooks', 'state/worktrees/other', 'extra-rw', 'extra-ro']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'work/.git'), 'gitdir: /elsewhere\n');
  await writeFile(join(dir, 'repo/secret.txt'), 'secret\n');
  spec = {
    bwrap: probe.bwrap,
    workdir: join(dir, 'work'),
    hidden: [join(dir, 'repo'), join(dir, 'state')],
    readWrite: [join(dir, 'extra-rw')],
    readOnly: [join(dir, 'extra-ro')],
    protect: [join(dir, 'work/.git')],
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (command: string, s: SandboxSpec = spec) => runProcess({ command, cwd: s.workdir, sandbox: s });

describe('runProcess in a bubblewrap sandbox', () => {
  it('writes in the working copy and the declared read-write path, and nowhere else', async () => {
    const outside = `/var/tmp/gantry-outside-${process.pid}`;
    const r = await run(`echo ok > made.txt && echo rw > ${dir}/extra-rw/f && echo no > ${outside}`);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(await readFile(join(dir, 'work/made.txt'), 'utf8')).toBe('ok\n');
    expect(await readFile(join(dir, 'extra-rw/f'), 'utf8')).toBe('rw\n');
    expect(existsSync(outside)).toBe(false);
    // A sibling of the working copy under /tmp lands in the private /tmp at most, never on the host.
    await run(`echo no > ${dir}/sibling.txt`);
    expect(existsSync(join(dir, 'sibling.txt'))).toBe(false);
    const ro = await run(`echo no > ${dir}/extra-ro/f`);
    expect(ro.exitCode).not.toBe(0);
    expect(existsSync(join(dir, 'extra-ro/f'))).toBe(false);
  });

  it('hides the repository and the state directory: empty and read-only inside', async () => {
    const r = await run(`ls -A ${dir}/repo; ls -A ${dir}/state; cat ${dir}/repo/secret.txt; echo x > ${dir}/repo/.git/hooks/pre-commit`);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/secret.txt: No such file/);
    expect(r.stderr).toMatch(/pre-commit: Directory nonexistent|Read-only file system|No such file/);
    expect(existsSync(join(dir, 'repo/.git/hooks/pre-commit'))).toBe(false);
  });

  it('keeps the working copy\'s .git read-only: it can be neither written nor removed', async () => {
    const r = await run('echo "gitdir: /tmp/evil" > .git; rm -f .git; cat .git');
    expect(r.stdout).toBe('gitdir: /elsewhere\n');
    expect(await readFile(join(dir, 'work/.git'), 'utf8')).toBe('gitdir: /elsewhere\n');
  });

  it('gives a private /tmp (TMPDIR) that the host does not see', async () => {
    const name = `gantry-private-${process.pid}`;
    const r = await run(`echo $TMPDIR; echo t > /tmp/${name} && cat /tmp/${name}`);
    expect(r).toMatchObject({ exitCode: 0, stdout: '/tmp\nt\n' });
    expect(existsSync(join('/tmp', name))).toBe(false);
  });

  it('has no capability: it cannot unmount what hides the repository', async () => {
    const r = await run(`umount ${dir}/repo; ls -A ${dir}/repo; grep CapEff /proc/self/status`);
    expect(r.stdout).toMatch(/CapEff:\s+0+\n$/);
    expect(r.stdout).not.toMatch(/secret/);
  });

  it('cuts the network with network: false (only a loopback device is left)', async () => {
    const devices = (s: string) => s.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    const on = await run('cat /proc/net/dev');
    const off = await run('cat /proc/net/dev', { ...spec, network: false });
    expect(devices(off.stdout)).toEqual(['lo']);
    expect(devices(on.stdout).length).toBeGreaterThan(1);
  });

  it('ends background and setsid children with the command (PID namespace)', async () => {
    const r = await run('setsid sleep 1000 & echo $!; (sleep 1000 &) ; exit 0');
    expect(r.exitCode).toBe(0);
    // Inside its namespace the pid means nothing outside: nothing named sleep 1000 of ours is left instead.
    expect(firstPid(r.stdout)).toBeGreaterThan(0);
    const left = await runProcess({ command: 'pgrep -f "^sleep 1000$" || true', cwd: dir });
    for (const pid of left.stdout.split('\n').filter(Boolean).map(Number)) expect(await waitUntilGone(pid, 2000)).toBe(true);
  });

  it('refuses an argv program that does not exist as spawn does (ProcessSpawnError)', async () => {
    await expect(runProcess({ command: ['no-such-program-xyz'], cwd: spec.workdir, sandbox: spec })).rejects.toMatchObject({ name: 'ProcessSpawnError', reason: 'program-not-found' });
  });

  it('looks bwrap up on PATH, and reports it missing on a PATH without it', async () => {
    expect(findProgram('bwrap')).toBe(spec.bwrap);
    expect(await probeSandbox('bwrap', dir)).toMatchObject({ ok: false, reason: 'bwrap not found on PATH' });
  });
});
