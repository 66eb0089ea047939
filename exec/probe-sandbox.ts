import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Whether bubblewrap works here, and why not when it does not. */
export type SandboxProbe = { readonly ok: true; readonly bwrap: string } | { readonly ok: false; readonly reason: string };

/** The program looked up for the sandbox unless another is given: `bwrap`, on `PATH`. */
export const DEFAULT_BWRAP = 'bwrap';

/** The path of `program`: itself when it contains a `/`, else the first executable of that name on `path`; or null. */
export function findProgram(program: string, path = process.env['PATH'] ?? ''): string | null {
  const candidates = program.includes('/') ? [program] : path.split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return null;
}

const cache = new Map<string, Promise<SandboxProbe>>();

/**
 * Probes once per process and program whether bubblewrap works on this machine: finds `program` (default `bwrap` on
 * `PATH`) and runs `bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid --die-with-parent --cap-drop ALL true`
 * (the flags every sandboxed command uses; user namespaces may be disabled, or bwrap not setuid). Never rejects.
 */
export function probeSandbox(program = DEFAULT_BWRAP, path = process.env['PATH'] ?? ''): Promise<SandboxProbe> {
  const bwrap = findProgram(program, path);
  if (bwrap === null) return Promise.resolve({ ok: false, reason: `${program} not found${program.includes('/') ? '' : ' on PATH'}` });
  let probe = cache.get(bwrap);
  if (!probe) {
    probe = new Promise<SandboxProbe>((resolve) => {
      const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--die-with-parent', '--cap-drop', 'ALL', 'true'];
      execFile(bwrap, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
        if (err === null) resolve({ ok: true, bwrap });
        else resolve({ ok: false, reason: `${bwrap} does not work here: ${String(stderr).trim() || err.message}` });
      });
    });
    cache.set(bwrap, probe);
  }
  return probe;
}
