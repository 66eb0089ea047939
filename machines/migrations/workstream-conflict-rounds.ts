import { DEFAULT_MAX_CONFLICT_ROUNDS } from '../workstream-machine.js';
import { contextOf, snapshotMigration } from './snapshot-migration.js';

/**
 * workstream before issue 15 part 2 (machine version e62090a94309) → with conflict rounds (767b124d5120, EXT-7,
 * EXT-8): the context gained `on_conflict`, `max_conflict_rounds`, `conflict_rounds` and `conflict`, which the
 * round guards read. A workstream stored before them behaved as `on_conflict: fail` (a conflicting merge failed it),
 * so it keeps that behaviour: `fail`, the default bound, no round taken, no current round.
 */
export const workstreamConflictRounds = snapshotMigration({
  machine: 'workstream',
  from: 'e62090a94309',
  to: '767b124d5120',
  description: 'context gains conflict rounds (EXT-7, EXT-8): on_conflict fail (the old behaviour), no round taken',
  migrate: (snapshot) => {
    const c = contextOf(snapshot);
    return {
      ...snapshot,
      context: {
        ...c,
        on_conflict: c['on_conflict'] ?? 'fail',
        max_conflict_rounds: c['max_conflict_rounds'] ?? DEFAULT_MAX_CONFLICT_ROUNDS,
        conflict_rounds: c['conflict_rounds'] ?? 0,
        conflict: c['conflict'] ?? null,
      },
    };
  },
});
