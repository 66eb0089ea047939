import type { CommittedTransition } from '../actors/index.js';
import { transitionReason } from '../ops/transition-reason.js';

/** Why transition `t` happened, from the transition alone (ops/transition-reason.ts), or null when its state needs no explanation. */
export function committedReason(t: CommittedTransition): string | null {
  // A transition may come without its canonical record's metadata (a hand-made one): nothing is explained then.
  const m = (t.canonical?.metadata ?? {}) as Record<string, unknown>;
  const event = m['event'] && typeof m['event'] === 'object' ? (m['event'] as Record<string, unknown>) : null;
  return transitionReason({
    entityType: t.entityType,
    entityId: t.id,
    fromState: t.from,
    toState: t.to,
    trigger: t.event,
    reason: typeof m['reason'] === 'string' ? m['reason'] : null,
    operator: t.canonical?.operator ?? null,
    severity: t.canonical?.severity ?? 'info',
    event,
  });
}
