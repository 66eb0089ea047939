import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { ENTITY_TABLES, type EntityTableInfo } from './entity-tables.js';

/** An entity of a run stored under another machine version than its machine's current one. */
export interface StaleRunEntity {
  readonly entityType: string;
  readonly id: string;
  readonly state: string;
  readonly machineVersion: string;
}

/**
 * The entities of run `runId` (the run itself and every row whose `run_id` is it) whose `machine_version` differs
 * from `currentVersions[entityType]`, by entity type then id: what `gantry resume` checks before driving a run.
 */
export async function staleRunEntities(db: Kysely<Database>, runId: string, currentVersions: Readonly<Record<string, string>>): Promise<StaleRunEntity[]> {
  const out: StaleRunEntity[] = [];
  for (const info of Object.values(ENTITY_TABLES) as EntityTableInfo[]) {
    const current = currentVersions[info.entityType];
    if (current === undefined) continue;
    const owner = 'run_id' in info.columns ? sql`run_id = ${runId}` : sql`id = ${runId}`;
    const { rows } = await sql<{ id: string; state: string; machine_version: string }>`
      SELECT id, state, machine_version FROM ${sql.table(info.table)} WHERE ${owner} AND machine_version <> ${current} ORDER BY id`.execute(db);
    for (const r of rows) out.push({ entityType: info.entityType, id: r.id, state: r.state, machineVersion: r.machine_version });
  }
  return out;
}
