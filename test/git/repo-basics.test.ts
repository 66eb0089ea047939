import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_REF_PREFIX, archiveBranch, branchExists, commitAll, createBranch, currentBranch, GANTRY_IDENTITY,
  GitCommandError, InvalidGitArgumentError, isClean, NothingToCommitError, revParse,
} from '../../git/index.js';
import { git, repoWith, scratch, writeFiles, type Scratch } from './git-fixtures.js';

let tmp: Scratch;
let repo: string;
let first: string;
const savedHome = process.env['HOME'];
const savedXdg = process.env['XDG_CONFIG_HOME'];

beforeAll(async () => {
  tmp = await scratch('git-basics');
  // No global git config at all: the fixed identity must be enough to commit.
  const home = join(tmp.dir, 'home');
  await mkdir(home);
  process.env['HOME'] = home;
  process.env['XDG_CONFIG_HOME'] = home;
  repo = join(tmp.dir, 'repo');
  first = await repoWith(repo, { 'README.md': '# r\n' });
});
afterAll(async () => {
  process.env['HOME'] = savedHome;
  if (savedXdg === undefined) delete process.env['XDG_CONFIG_HOME'];
  else process.env['XDG_CONFIG_HOME'] = savedXdg;
  await tmp.cleanup();
});

describe('git wrappers on a machine with no git config', () => {
  it('commits as the fixed Gantry identity, or as a given author', async () => {
    expect(git(repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>').trim()).toBe(`${GANTRY_IDENTITY.name} <${GANTRY_IDENTITY.email}>|Gantry <gantry@localhost>`);
    await writeFiles(repo, { 'a.txt': 'a\n' });
    const sha = await commitAll(repo, 'by an agent', { name: 'Agent Smith', email: 'agent@example.com' });
    expect(git(repo, 'log', '-1', '--format=%H|%an <%ae>|%cn|%B', sha).trim()).toBe(`${sha}|Agent Smith <agent@example.com>|Gantry|by an agent`);
  });

  it('knows the current branch, and null when HEAD is detached', async () => {
    expect(await currentBranch(repo)).toBe('main');
    git(repo, 'switch', '--quiet', '--detach', first);
    expect(await currentBranch(repo)).toBeNull();
    git(repo, 'switch', '--quiet', 'main');
  });

  it('resolves revisions, and names args, exit code and stderr when one does not exist', async () => {
    expect(await revParse(repo, 'main')).toBe(git(repo, 'rev-parse', 'main').trim());
    const error = await revParse(repo, 'no-such-branch').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect(error).toMatchObject({ dir: repo, exitCode: 128, args: ['rev-parse', '--verify', '--end-of-options', 'no-such-branch'] });
    expect((error as GitCommandError).stderr).toMatch(/Needed a single revision/);
  });

  it('refuses ref arguments that git could read as options', async () => {
    await expect(createBranch(repo, '--force')).rejects.toBeInstanceOf(InvalidGitArgumentError);
    await expect(revParse(repo, '-h')).rejects.toBeInstanceOf(InvalidGitArgumentError);
    await expect(createBranch(repo, '')).rejects.toBeInstanceOf(InvalidGitArgumentError);
  });

  it('creates a branch at a start point without checking it out', async () => {
    const sha = await createBranch(repo, 'ws/one', first);
    expect(sha).toBe(first);
    expect(await branchExists(repo, 'ws/one')).toBe(true);
    expect(await branchExists(repo, 'ws/two')).toBe(false);
    expect(await currentBranch(repo)).toBe('main');
    await expect(createBranch(repo, 'ws/one')).rejects.toBeInstanceOf(GitCommandError);
  });

  it('archives a branch under refs/gantry/archive, twice without clobbering', async () => {
    await createBranch(repo, 'failed-ws', first);
    expect(await archiveBranch(repo, 'failed-ws')).toBe(`${ARCHIVE_REF_PREFIX}failed-ws`);
    expect(await branchExists(repo, 'failed-ws')).toBe(false);
    await createBranch(repo, 'failed-ws', 'main');
    expect(await archiveBranch(repo, 'failed-ws')).toBe(`${ARCHIVE_REF_PREFIX}failed-ws-2`);
    expect(git(repo, 'rev-parse', `${ARCHIVE_REF_PREFIX}failed-ws`).trim()).toBe(first);
  });

  it('tells a clean tree from one with untracked, modified or staged changes; ignored files do not count', async () => {
    await writeFiles(repo, { '.gitignore': '*.log\n' });
    await commitAll(repo, 'ignore logs');
    await writeFiles(repo, { 'debug.log': 'x' });
    expect(await isClean(repo)).toBe(true);
    await writeFiles(repo, { 'new.txt': 'n' });
    expect(await isClean(repo)).toBe(false);
    await commitAll(repo, 'new');
    await writeFiles(repo, { 'new.txt': 'changed' });
    expect(await isClean(repo)).toBe(false);
    git(repo, 'add', 'new.txt');
    expect(await isClean(repo)).toBe(false);
    await commitAll(repo, 'changed');
    expect(await isClean(repo)).toBe(true);
  });

  it('refuses to make an empty commit', async () => {
    const error = await commitAll(repo, 'nothing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NothingToCommitError);
    expect(error).toMatchObject({ dir: repo });
  });
});
