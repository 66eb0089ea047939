import { posix } from 'node:path';
import type { PlanPathSegment } from './errors.js';
import type { PlanFile, PlanFileTask } from './plan-file-schema.js';
import type { RawPlanIssue } from './zod-plan-issues.js';

/** Where a task sits in the file: its workstream's index and its own. */
export interface TaskPlace {
  readonly ws: number;
  readonly task: number;
}

/** Program name of a command: basename of `argv[0]`, or of a string's first word after `VAR=value` assignments. */
export function programName(command: string | readonly string[]): string {
  const first = typeof command === 'string' ? (command.trim().split(/\s+/).find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '') : command[0]!;
  return posix.basename(first.replace(/^['"]|['"]$/g, ''));
}

/** The tool id of a task: `tool` as written, else the command's program name (docs/design/plan.md). */
export function toolOf(task: PlanFileTask): string {
  return task.tool ?? (task.command === undefined ? '' : programName(task.command));
}

/**
 * Lookups over a structurally valid plan file, built once for the semantic checks: the first place of every
 * workstream, task (plan-wide), gate (per workstream) and pool id, plus the issue lists the checks append to.
 */
export class PlanFileIndex {
  /** Workstream id → index of its first declaration. */
  readonly workstreams = new Map<string, number>();
  /** Task id → place of its first declaration, across the whole plan (task `depends_on` crosses workstreams). */
  readonly tasks = new Map<string, TaskPlace>();
  /** Per workstream index: gate id → index of its first declaration. */
  readonly gates: Map<string, number>[] = [];
  /** Pool id → index of its first declaration. */
  readonly pools = new Map<string, number>();
  /** Errors found so far, in the order found. */
  readonly errors: RawPlanIssue[] = [];
  /** Warnings found so far. */
  readonly warnings: RawPlanIssue[] = [];

  constructor(readonly file: PlanFile) {
    file.workstreams.forEach((ws, w) => {
      if (!this.workstreams.has(ws.id)) this.workstreams.set(ws.id, w);
      const gates = new Map<string, number>();
      ws.gates.forEach((g, i) => gates.has(g.id) || gates.set(g.id, i));
      this.gates.push(gates);
      ws.tasks.forEach((t, i) => this.tasks.has(t.id) || this.tasks.set(t.id, { ws: w, task: i }));
    });
    file.workers.orchestration.forEach((p, i) => this.pools.has(p.id) || this.pools.set(p.id, i));
  }

  /** Records an error at `path`. */
  error(path: readonly PlanPathSegment[], message: string): void {
    this.errors.push({ path, message });
  }

  /** Records a warning at `path`. */
  warn(path: readonly PlanPathSegment[], message: string): void {
    this.warnings.push({ path, message });
  }

  /** The task declared at `place`. */
  task(place: TaskPlace): PlanFileTask {
    return this.file.workstreams[place.ws]!.tasks[place.task]!;
  }

  /** Path of the task at `place`: `['workstreams', 1, 'tasks', 0]`. */
  taskPath(place: TaskPlace): PlanPathSegment[] {
    return ['workstreams', place.ws, 'tasks', place.task];
  }

  /** Errors for entries listed twice in one list (`depends_on: [a, a]`), at the repeated entry. */
  checkListedOnce(list: readonly string[], path: readonly PlanPathSegment[], what: string): void {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
      const first = seen.get(item);
      if (first === undefined) seen.set(item, i);
      else this.error([...path, i], `${what} '${item}' is listed twice (also at index ${first})`);
    });
  }
}
