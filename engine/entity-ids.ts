/** The namespaced entity ids and git names of one run: everything is prefixed by the run id. */
export interface RunIds {
  readonly run: string;
  workstream(ws: string): string;
  task(task: string): string;
  /** A task's gate for one validation attempt: `R.task.gate.aN`. */
  gate(task: string, gate: string, attempt: number): string;
  /** A task's patch and its ledger entry for one validation attempt: `R.task.pN`. */
  ledger(task: string, attempt: number): string;
  worker(workerId: string): string;
  uetWorker(n: number): string;
  breaker(tool: string): string;
  /** The workstream's integration branch: `gantry/R/ws`. */
  branch(ws: string): string;
}

/** Ids of run `runId`: run `R`, workstream `R.ws`, task `R.task`, gate `R.task.gate.aN`, ledger `R.task.pN`, … */
export function runIds(runId: string): RunIds {
  return {
    run: runId,
    workstream: (ws) => `${runId}.${ws}`,
    task: (t) => `${runId}.${t}`,
    gate: (t, g, a) => `${runId}.${t}.${g}.a${a}`,
    ledger: (t, a) => `${runId}.${t}.p${a}`,
    worker: (w) => `${runId}.${w}`,
    uetWorker: (n) => `${runId}.uet-${n}`,
    breaker: (tool) => `${runId}.${tool}`,
    branch: (ws) => `gantry/${runId}/${ws}`,
  };
}
