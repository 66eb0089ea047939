import { existsSync, lstatSync, realpathSync } from 'node:fs';

/**
 * What a sandboxed process may see and touch (bubblewrap): the whole file system read-only, `workdir` the only
 * writable place besides a private `/tmp` (tmpfs, `TMPDIR=/tmp`), `hidden` paths replaced by an empty read-only
 * tmpfs (invisible), `readOnly` paths (extra ones, and protected paths inside `workdir` such as its `.git`) bound
 * read-only over whatever the earlier steps made of them, `readWrite` extra paths writable.
 */
export interface SandboxSpec {
  /** Path of the `bwrap` program. */
  readonly bwrap: string;
  /** The one writable working copy. */
  readonly workdir: string;
  /** Paths made invisible (an empty read-only tmpfs over each); a `readWrite` path or `workdir` inside one shows again. */
  readonly hidden?: readonly string[];
  /** Paths bound read-only after everything else (applied last: also protects paths inside `workdir`). */
  readonly readOnly?: readonly string[];
  /** Extra writable paths. */
  readonly readWrite?: readonly string[];
  /**
   * Paths inside `workdir` bound read-only onto themselves, as they are (no link followed: a symbolic link is left
   * alone, so a link pointing out of the working copy never re-exposes its target); missing ones are skipped.
   */
  readonly protect?: readonly string[];
  /** Network access (default true); false gives the process its own empty network namespace. */
  readonly network?: boolean;
}

/** The real path of an existing path, or null when it does not exist (bubblewrap cannot bind a missing source). */
function real(path: string): string | null {
  if (!existsSync(path)) return null;
  return realpathSync(path);
}

/** The paths of `list` that exist, resolved, without duplicates. */
function existing(list: readonly string[] | undefined): string[] {
  return [...new Set((list ?? []).map(real).filter((p): p is string => p !== null))];
}

/**
 * The bubblewrap argv that runs `file args` in `cwd` under `spec`. Mount order matters and is: `/` read-only, a fresh
 * `/dev` and `/proc` (of the new PID namespace), a private `/tmp`, a tmpfs over each hidden path, the extra writable
 * paths, the working copy, the read-only and protected paths (so `.git` inside the working copy stays read-only), then each hidden
 * tmpfs made read-only. Process flags: `--unshare-pid` (every process of the command ends with it), `--die-with-parent`
 * (the sandbox dies with the engine or worker, even by SIGKILL), `--cap-drop ALL` (bwrap run as root otherwise keeps
 * every capability and could unmount what hides the repository), `--unshare-ipc`, and `--unshare-net` without network.
 * No `--new-session`: the leader is already started in its own session with no terminal (nothing to inject into), and
 * staying in one process group lets a timeout's SIGTERM reach the command for a graceful stop.
 */
export function bwrapArgv(spec: SandboxSpec, file: string, args: readonly string[], cwd: string): string[] {
  const workdir = real(spec.workdir) ?? spec.workdir;
  const candidates = existing(spec.hidden).filter((h) => h !== '/' && h !== workdir);
  // A hidden path inside another one is hidden with it (and has no mount point left inside that one's tmpfs).
  const hidden = candidates.filter((h) => !candidates.some((o) => o !== h && h.startsWith(`${o}/`)));
  const argv = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  for (const h of hidden) argv.push('--tmpfs', h);
  for (const p of existing(spec.readWrite)) argv.push('--bind', p, p);
  argv.push('--bind', workdir, workdir);
  for (const p of existing(spec.readOnly)) argv.push('--ro-bind', p, p);
  for (const p of spec.protect ?? []) {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st && (st.isFile() || st.isDirectory())) argv.push('--ro-bind', p, p);
  }
  for (const h of hidden) argv.push('--remount-ro', h);
  argv.push('--unshare-pid', '--unshare-ipc', '--die-with-parent', '--cap-drop', 'ALL');
  if (spec.network === false) argv.push('--unshare-net');
  argv.push('--setenv', 'TMPDIR', '/tmp', '--chdir', real(cwd) ?? cwd, '--', file, ...args);
  return argv;
}
