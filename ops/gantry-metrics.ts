import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { auditMetricRows, breakerStates, ENTITY_TABLES, operatorRows, stateCounts, usageByTool, type AuditMetricRow, type Database, type UsageAmounts } from '../persistence/index.js';
import { machineCatalog } from '../machines/index.js';
import { DEFAULT_STUCK_THRESHOLDS, watchActive, type StuckThresholds } from './find-stuck.js';
import { OVERRIDE_RULES } from './override-actions.js';

/** Audit rows read per poll query. */
const PAGE = 5000;
/**
 * Ids below the highest one seen that are read again at each poll: a bigserial id is taken when a row is inserted
 * but becomes visible at commit, so a concurrent transaction can commit a lower id after a higher one was polled.
 */
const LATE_WINDOW = 2000;
/** Entity types a manual override or playbook changes (SSOT §5.2): the overrides' and the rollback's patch ledger. */
const OVERRIDDEN_TYPES = [...new Set([...Object.values(OVERRIDE_RULES).map((r) => r.entityType), 'patch_ledger'])];
/** Buckets of `state_transition_duration_seconds`: 10 ms to 6 h. */
const BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600];

/**
 * Gantry's Prometheus metrics (docs/design/engine.md §5), all read from the database so that they are right after a restart and
 * follow every process's transitions: counters and durations from the audit table (polled by row id), current
 * counts per state, stuck entities and breaker states computed at each scrape.
 */
export class GantryMetrics {
  readonly registry = new Registry();
  private lastId = 0n;
  /** Ids already counted within the late window, so a re-read row is not counted twice. */
  private readonly seen = new Set<bigint>();
  private polling: Promise<void> | null = null;
  private readonly transitions: Counter<'entity_type' | 'from_state' | 'to_state'>;
  private readonly updates: Counter<'entity_type' | 'state' | 'trigger'>;
  private readonly durations: Histogram<'entity_type' | 'state'>;
  private readonly overrides: Counter<'entity_type' | 'operator'>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly thresholds: StuckThresholds = DEFAULT_STUCK_THRESHOLDS,
  ) {
    const registers = [this.registry];
    this.transitions = new Counter({ name: 'state_transitions_total', help: 'Committed state transitions (audit rows after creation that changed the state)', labelNames: ['entity_type', 'from_state', 'to_state'], registers });
    // In-state updates (heartbeats, breaker counters, R-5 assignments) are no transitions: counted apart, so that rates
    // over state_transitions_total (the failure-rate alert, SSOT §7.3.3) are not diluted by them.
    this.updates = new Counter({ name: 'state_updates_total', help: 'Committed in-state updates (audit rows that kept the state: heartbeats, counters)', labelNames: ['entity_type', 'state', 'trigger'], registers });
    this.durations = new Histogram({ name: 'state_transition_duration_seconds', help: 'Time spent in a state before leaving it (from the audit timestamps)', labelNames: ['entity_type', 'state'], buckets: BUCKETS, registers });
    this.overrides = new Counter({ name: 'manual_state_overrides_total', help: 'Manual overrides (SSOT §5.2) by entity type and operator', labelNames: ['entity_type', 'operator'], registers });
    this.zeroEdges();
    const self = this;
    new Gauge({ name: 'entity_state', help: 'Entities currently in each state', labelNames: ['entity_type', 'state'], registers, async collect() { await self.collectStates(this); } });
    new Gauge({ name: 'stuck_entities', help: 'Entities stuck past their SSOT §5.1 threshold', labelNames: ['entity_type'], registers, async collect() { await self.collectStuck(this, 'count'); } });
    new Gauge({ name: 'stuck_entity_max_age_ratio', help: 'Largest age/expected-duration ratio among active entities (2 = twice the expected duration)', labelNames: ['entity_type'], registers, async collect() { await self.collectStuck(this, 'ratio'); } });
    // Issue 15: what tools reported they spent, per tool, summed from task_attempt_usage at each scrape (so right after
    // a restart and across processes); the sums only grow, hence counters.
    const usage = (name: string, help: string, pick: (u: UsageAmounts) => number) =>
      new Counter({ name, help, labelNames: ['tool'], registers, async collect() { await self.collectUsage(this, pick); } });
    usage('gantry_tool_cost_usd_total', 'Dollars tools reported spending (gantry-usage lines), per tool', (u) => u.cost_usd);
    usage('gantry_tool_input_tokens_total', 'Input tokens tools reported (gantry-usage lines), per tool', (u) => u.input_tokens);
    usage('gantry_tool_output_tokens_total', 'Output tokens tools reported (gantry-usage lines), per tool', (u) => u.output_tokens);
    new Gauge({ name: 'circuit_breaker_state', help: 'Circuit breaker state per tool (1 for the current state)', labelNames: ['tool_id', 'state'], registers, async collect() { await self.collectBreakers(this); } });
  }

  /**
   * Exposes `state_transitions_total` at 0 for every edge of every machine and every manual override's (from, to): a
   * series that first appears at 1 has no increase() in Prometheus, so the first rollback, quarantine or failure since
   * the exporter started would never fire its alert (SSOT §7.3.3).
   */
  private zeroEdges(): void {
    for (const [entityType, entry] of Object.entries(machineCatalog)) {
      for (const t of entry.transitions) if (t.from !== t.to) this.transitions.inc({ entity_type: entityType, from_state: t.from, to_state: t.to }, 0);
    }
    for (const rule of Object.values(OVERRIDE_RULES)) {
      for (const from of rule.from) if (from !== rule.to) this.transitions.inc({ entity_type: rule.entityType, from_state: from, to_state: rule.to }, 0);
    }
  }

  /** Reads the audit rows committed since the last poll (all of them the first time) into the counters and durations. */
  poll(): Promise<void> {
    this.polling ??= this.drain().finally(() => (this.polling = null));
    return this.polling;
  }

  /** The metrics in Prometheus text format, after a poll. */
  async text(): Promise<string> {
    await this.poll();
    return this.registry.metrics();
  }

  private async drain(): Promise<void> {
    // Each registered operator's override series starts at 0 (same reason as zeroEdges: the burst alert uses increase()).
    for (const { name } of await operatorRows(this.db)) for (const entity_type of OVERRIDDEN_TYPES) this.overrides.inc({ entity_type, operator: name }, 0);
    let after = this.forget();
    for (;;) {
      const rows = await auditMetricRows(this.db, after, PAGE);
      for (const r of rows) {
        const id = BigInt(r.id);
        if (this.seen.has(id)) continue;
        this.seen.add(id);
        if (id > this.lastId) this.lastId = id;
        this.count(r);
      }
      if (rows.length > 0) after = BigInt(rows[rows.length - 1]!.id);
      if (rows.length < PAGE) break;
    }
    this.forget();
  }

  /** Drops the ids below the late window from `seen` and returns the id the next read starts after. */
  private forget(): bigint {
    const floor = this.lastId > BigInt(LATE_WINDOW) ? this.lastId - BigInt(LATE_WINDOW) : 0n;
    for (const id of this.seen) if (id <= floor) this.seen.delete(id);
    return floor;
  }

  /**
   * Counts one audit row: an override (a forced state, `metadata.override`, or an operator's playbook transition through
   * the machine, `metadata.manual`, e.g. rollback-patch), a transition (or an in-state update) and the time spent in
   * the state it left.
   */
  private count(r: AuditMetricRow): void {
    if (r.override) this.overrides.inc({ entity_type: r.entity_type, operator: r.operator ?? 'unknown' });
    if (r.from_state === null) return;
    if (r.from_state === r.to_state) this.updates.inc({ entity_type: r.entity_type, state: r.to_state, trigger: r.trigger });
    else this.transitions.inc({ entity_type: r.entity_type, from_state: r.from_state, to_state: r.to_state });
    if (r.seconds !== null) this.durations.observe({ entity_type: r.entity_type, state: r.from_state }, Number(r.seconds));
  }

  private async collectStates(g: Gauge<'entity_type' | 'state'>): Promise<void> {
    g.reset();
    for (const info of Object.values(ENTITY_TABLES)) {
      for (const state of machineCatalog[info.entityType].states) g.set({ entity_type: info.entityType, state }, 0);
      for (const r of await stateCounts(this.db, info.table)) g.set({ entity_type: info.entityType, state: r.state }, r.n);
    }
  }

  private async collectStuck(g: Gauge<'entity_type'>, what: 'count' | 'ratio'): Promise<void> {
    g.reset();
    const values = new Map<string, number>(['workstream', 'task', 'worker', 'uet_worker'].map((t) => [t, 0]));
    for (const w of await watchActive(this.db, this.thresholds)) {
      const v = values.get(w.entityType) ?? 0;
      values.set(w.entityType, what === 'count' ? v + (w.stuck ? 1 : 0) : Math.max(v, w.ratio));
    }
    for (const [entity_type, v] of values) g.set({ entity_type }, v);
  }

  private async collectUsage(c: Counter<'tool'>, pick: (u: UsageAmounts) => number): Promise<void> {
    c.reset();
    for (const r of await usageByTool(this.db)) c.inc({ tool: r.tool }, pick(r));
  }

  private async collectBreakers(g: Gauge<'tool_id' | 'state'>): Promise<void> {
    g.reset();
    for (const r of await breakerStates(this.db)) for (const s of machineCatalog.circuit_breaker.states) g.set({ tool_id: r.id, state: s }, s === r.state ? 1 : 0);
  }
}
