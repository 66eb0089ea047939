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

/**
 * Ids of run `runId`: run `R`, workstream `R.ws`, task `R.task`, gate `R.task.gate.aN`, ledger `R.task.pN`, … A plan
 * task reset by an operator after it ended (SSOT §8.2.3) lives on as its newest retry: `retries` maps each retried
 * task entity to its retry (default none), followed to the end, and the retry's gates and ledgers are named after it.
 */
export function runIds(runId: string, retries: ReadonlyMap<string, string> = new Map()): RunIds {
  const task = (t: string): string => {
    let id = `${runId}.${t}`;
    for (let hops = 0; retries.has(id) && hops < 1000; hops++) id = retries.get(id)!;
    return id;
  };
  return {
    run: runId,
    workstream: (ws) => `${runId}.${ws}`,
    task,
    gate: (t, g, a) => `${task(t)}.${g}.a${a}`,
    ledger: (t, a) => `${task(t)}.p${a}`,
    worker: (w) => `${runId}.${w}`,
    uetWorker: (n) => `${runId}.uet-${n}`,
    breaker: (tool) => `${runId}.${tool}`,
    branch: (ws) => `gantry/${runId}/${ws}`,
  };
}
