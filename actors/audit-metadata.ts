/** Context values read by the metadata rules: the machine context after the transition. */
type Ctx = Record<string, unknown>;
type Ev = { type: string } & Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * Required metadata per entity type (SSOT §7.2.3), derived from the context after the transition and the event:
 * task — worker id, duration, retry count, exit code, timeout flag; workstream — task counts, duration, critical
 * failure flag; patch — patch id, validation results, commit sha, quarantine reason; worker — heartbeat status,
 * current load, heartbeat age, crash flag. The event itself is kept whole so the audit can be replayed.
 */
export function requiredMetadata(entityType: string, before: Ctx, after: Ctx, event: Ev, now: number): Record<string, unknown> {
  switch (entityType) {
    case 'task': {
      const started = num(before.started_at) ?? num(after.started_at);
      return {
        worker_id: (before.worker_id as string | null) ?? (after.worker_id as string | null) ?? null,
        duration_ms: started !== null && event.type !== 'worker_started' ? now - started : null,
        retry_count: after.retry_count ?? 0,
        exit_code: typeof event.exit_code === 'number' ? event.exit_code : null,
        timeout_occurred: event.type === 'timeout_exceeded',
      };
    }
    case 'workstream': {
      const tasks = Array.isArray(event.tasks) ? (event.tasks as { state: string; critical?: boolean }[]) : null;
      const started = num(after.started_at);
      return {
        total_tasks: after.planned_task_count ?? null,
        completed_tasks: tasks ? tasks.filter((t) => t.state === 'completed').length : null,
        failed_tasks: tasks ? tasks.filter((t) => t.state === 'failed').length : null,
        duration_ms: started !== null ? now - started : null,
        critical_failure: event.type === 'critical_task_failed' || (event.type === 'patch_quarantined' && after.critical === true),
      };
    }
    case 'patch_ledger':
      return {
        patch_id: after.patch_id ?? null,
        validation: after.validation ?? null,
        commit_sha: after.commit_sha ?? null,
        quarantine_reason: after.quarantine_reason ?? null,
      };
    case 'worker':
    case 'uet_worker': {
      const hb = num(before.last_heartbeat);
      const age = hb !== null ? now - hb : null;
      return {
        heartbeat_status: age === null ? 'none' : age > 120_000 ? 'missed' : 'fresh',
        current_load: after.current_load ?? (after.current_task ? 1 : 0),
        heartbeat_age_ms: age,
        crashed: event.type === 'crashed' || event.type === 'heartbeat_timeout',
      };
    }
    default:
      return {};
  }
}
