import type { ChildFact, EntityType } from '../machines/index.js';
import type { RunContext } from './run-context.js';

/** The current state of each entity, by id (the dependency facts events carry). */
export async function stateMap(ctx: RunContext, entityType: EntityType, ids: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of ids) out[id] = (await ctx.actors.load(entityType, id)).state;
  return out;
}

/** The facts (id, state, critical) of a workstream's tasks, as workstream events carry them. */
export async function taskFacts(ctx: RunContext, ws: string): Promise<ChildFact[]> {
  const plan = ctx.plan.workstreams.find((w) => w.id === ws)!;
  const out: ChildFact[] = [];
  for (const t of plan.tasks) {
    const v = await ctx.actors.load('task', ctx.ids.task(t.id));
    out.push({ id: v.id, state: v.state, critical: t.critical });
  }
  return out;
}

/** The ledger entries (id, state) of a workstream. */
export async function ledgerFacts(ctx: RunContext, ws: string): Promise<{ id: string; state: string }[]> {
  const out: { id: string; state: string }[] = [];
  for (const id of ctx.ledgers.get(ws) ?? []) out.push({ id, state: (await ctx.actors.load('patch_ledger', id)).state });
  return out;
}

/** The facts (id, state, critical) of every workstream of the run, as run events carry them. */
export async function workstreamFacts(ctx: RunContext): Promise<ChildFact[]> {
  const out: ChildFact[] = [];
  for (const w of ctx.plan.workstreams) {
    const v = await ctx.actors.load('workstream', ctx.ids.workstream(w.id));
    out.push({ id: v.id, state: v.state, critical: w.critical });
  }
  return out;
}
