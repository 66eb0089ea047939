import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RunSourceNotFoundError } from './errors.js';

/** What a run was started from, kept under the state directory so `gantry resume RUN_ID` can reload the plan. */
export interface RunSource {
  readonly run_id: string;
  /** Absolute path of the plan file. */
  readonly plan_file: string;
}

/** `<stateDir>/runs/<run>.json`. */
function sourceFile(stateDir: string, runId: string): string {
  return join(resolve(stateDir), 'runs', `${runId}.json`);
}

/** Records the plan file a run was started from (written before the run's first entity). */
export async function writeRunSource(stateDir: string, runId: string, planFile: string): Promise<void> {
  const file = sourceFile(stateDir, runId);
  await mkdir(dirname(file), { recursive: true });
  const body: RunSource = { run_id: runId, plan_file: resolve(planFile) };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
}

/** The recorded source of a run; `RunSourceNotFoundError` when there is none. */
export async function readRunSource(stateDir: string, runId: string): Promise<RunSource> {
  const file = sourceFile(stateDir, runId);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunSource;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RunSourceNotFoundError(runId, file);
    throw err;
  }
}
