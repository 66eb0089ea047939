import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BranchLockedError, branchLockFile, withBranchLock } from '../../git/index.js';
import { repoWith, scratch, type Scratch } from './git-fixtures.js';

// The branch lock that keeps the engine's merge and emergency rollbacks (SSOT §5.3) from moving a branch at once.
// Real files, a real repository and, for the cross-process cases, real child processes.

const ROOT = join(import.meta.dirname, '..', '..');

/** A child process that takes the lock on `branch` of `repo` as `holder`, says "locked", then waits to be killed. */
function holdInChild(repo: string, branch: string, holder: string) {
  const code = `import { withBranchLock } from './git/index.ts';
    await withBranchLock(${JSON.stringify(repo)}, ${JSON.stringify(branch)}, { holder: ${JSON.stringify(holder)} }, async () => {
      process.stdout.write('locked\\n');
      await new Promise((resolve) => process.stdin.on('end', resolve).resume());
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('exit', (c) => reject(new Error(`lock holder exited ${c} before locking`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, locked, exited };
}

describe('withBranchLock', () => {
  let s: Scratch;
  let repo: string;
  beforeAll(async () => {
    s = await scratch('branch-lock');
    repo = join(s.dir, 'repo');
    await repoWith(repo, { 'a.txt': 'a\n' });
  });
  afterAll(() => s.cleanup());

  it('keeps its file in the common git directory, one per branch (slashes encoded), removed once released', async () => {
    const file = await branchLockFile(repo, 'feature/x');
    expect(file).toBe(join(repo, '.git', 'gantry-locks', 'feature%2Fx.lock'));
    const seen = await withBranchLock(repo, 'feature/x', { holder: 'test' }, async () => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
    expect(seen).toMatchObject({ holder: 'test', pid: process.pid });
    expect(existsSync(file)).toBe(false);
    const long = `feature/${'x'.repeat(230)}`;
    const longFile = await branchLockFile(repo, long);
    expect(longFile).toMatch(/gantry-locks\/feature%2Fx{70}-[0-9a-f]{32}\.lock$/);
    expect(await withBranchLock(repo, long, { holder: 'test' }, async () => existsSync(longFile))).toBe(true);
  });

  it('serialises holders in one process and releases when the holder throws', async () => {
    const events: string[] = [];
    const first = withBranchLock(repo, 'main', { holder: 'first', pollMs: 5 }, async () => {
      events.push('first in');
      await new Promise((r) => setTimeout(r, 200));
      events.push('first out');
      throw new Error('boom');
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = withBranchLock(repo, 'main', { holder: 'second', pollMs: 5 }, async () => void events.push('second in'));
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(events).toEqual(['first in', 'first out', 'second in']);
    expect(existsSync(await branchLockFile(repo, 'main'))).toBe(false);
  });

  it('another process holding the branch: waits, then names the holder (BranchLockedError); proceeds once it is released', async () => {
    const h = holdInChild(repo, 'main', 'gantry run other');
    await h.locked;
    const refused = withBranchLock(repo, 'main', { holder: 'me', waitMs: 150, pollMs: 10 }, async () => 'ran');
    await expect(refused).rejects.toThrow(BranchLockedError);
    await expect(refused).rejects.toThrow(new RegExp(`branch main of .* is locked by gantry run other \\(pid ${h.child.pid} on .*; waited \\d+ ms`));
    const waiting = withBranchLock(repo, 'main', { holder: 'me', waitMs: 60_000, pollMs: 10 }, async () => 'ran');
    h.child.stdin!.end(); // the holder finishes and releases
    expect(await waiting).toBe('ran');
    await h.exited;
  }, 60_000);

  it('takes over a lock left by a process that died holding it', async () => {
    const h = holdInChild(repo, 'main', 'killed holder');
    await h.locked;
    h.child.kill('SIGKILL');
    await h.exited;
    const file = await branchLockFile(repo, 'main');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ holder: 'killed holder', pid: h.child.pid });
    expect(await withBranchLock(repo, 'main', { holder: 'me', waitMs: 0 }, async () => 'ran')).toBe('ran');
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it('many waiters finding a dead holder’s lock at once: exactly one takes it over at a time, never two inside', async () => {
    const file = await branchLockFile(repo, 'main');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    for (let trial = 0; trial < 20; trial++) {
      await writeFile(file, JSON.stringify({ holder: 'dead', pid: dead.pid, host: hostname(), since: new Date(0).toISOString() }));
      let inside = 0;
      let most = 0;
      let ran = 0;
      await Promise.all(
        Array.from({ length: 8 }, (_, k) =>
          withBranchLock(repo, 'main', { holder: `waiter ${k}`, pollMs: 1, waitMs: 30_000 }, async () => {
            most = Math.max(most, ++inside);
            await new Promise((r) => setImmediate(r));
            inside--;
            ran++;
          }),
        ),
      );
      expect([most, ran]).toEqual([1, 8]);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(`${file}.takeover`)).toBe(false);
    }
  }, 60_000);

  it('a takeover guard left by a process that died holding it is cleared, then the dead holder’s lock is taken over', async () => {
    const file = await branchLockFile(repo, 'main');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(file, JSON.stringify({ holder: 'dead', pid: dead.pid, host: hostname(), since: new Date(0).toISOString() }));
    await writeFile(`${file}.takeover`, JSON.stringify({ pid: dead.pid, host: hostname(), nonce: 'x' }));
    expect(await withBranchLock(repo, 'main', { holder: 'me', waitMs: 5_000, pollMs: 5 }, async () => 'ran')).toBe('ran');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.takeover`)).toBe(false);
  });

  it('a lock file nobody can read as a lock (hand-made) is never taken over: the wait ends naming the file', async () => {
    const file = await branchLockFile(repo, 'main');
    await writeFile(file, '');
    try {
      await expect(withBranchLock(repo, 'main', { holder: 'me', waitMs: 50, pollMs: 5 }, async () => 'ran')).rejects.toThrow(`locked by an unknown holder; waited`);
      await expect(withBranchLock(repo, 'main', { holder: 'me', waitMs: 50, pollMs: 5 }, async () => 'ran')).rejects.toThrow(`delete ${file} if that process is gone`);
    } finally {
      await unlink(file);
    }
  });
});
