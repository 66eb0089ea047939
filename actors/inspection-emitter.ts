import type { AnyEventObject, ActorRefLike, InspectionEvent, Observer, Snapshot } from 'xstate';
import { entryOf } from '../machines/index.js';

/** An observer of XState's inspection events: a function or an `Observer` (what `createActor(m, { inspect })` takes). */
export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** The actor-like object an inspection event names: a persisted entity, its `sessionId` stable across processes. */
export interface PersistedActorRef extends ActorRefLike {
  /** The entity id. */
  readonly id: string;
  /** The entity's machine, so inspectors can draw it. */
  readonly logic: unknown;
}

/** What the emitter needs of one committed change of one entity. */
export interface InspectedChange {
  readonly entityType: string;
  readonly id: string;
  /** The persisted snapshot after the change. */
  readonly snapshot: Record<string, unknown>;
  /** The event that made the change (`xstate.init` with the input for a creation). */
  readonly event: AnyEventObject;
  readonly created: boolean;
}

/** The stable inspection session id of an entity: `entityType:id`. */
export function inspectionSessionId(entityType: string, id: string): string {
  return `${entityType}:${id}`;
}

/**
 * Emits XState's inspection protocol for committed changes of persisted actors: `@xstate.actor` the first time an
 * entity is seen by this process (its creation, or its first committed transition here), then `@xstate.event` and
 * `@xstate.snapshot` for each committed transition, in commit order. Rejected or rolled-back sends never reach it.
 */
export class InspectionEmitter {
  private readonly next: (event: InspectionEvent) => void;
  private readonly announced = new Set<string>();

  constructor(observer: InspectionObserver) {
    this.next = typeof observer === 'function' ? observer : (e) => observer.next?.(e);
  }

  /** Emits the events of committed changes, in order. */
  emit(changes: readonly InspectedChange[]): void {
    for (const c of changes) {
      const sessionId = inspectionSessionId(c.entityType, c.id);
      const snapshot = { status: 'active', output: undefined, error: undefined, ...c.snapshot } as Snapshot<unknown>;
      const actorRef: PersistedActorRef = {
        id: c.id,
        sessionId,
        logic: entryOf(c.entityType).machine,
        getSnapshot: () => snapshot,
        send: () => {
          throw new Error(`${sessionId} is a persisted actor: send through PersistedActors.send`);
        },
      };
      if (!this.announced.has(sessionId)) {
        this.announced.add(sessionId);
        this.next({ type: '@xstate.actor', rootId: sessionId, actorRef });
      }
      if (!c.created) this.next({ type: '@xstate.event', rootId: sessionId, actorRef, sourceRef: undefined, event: c.event });
      this.next({ type: '@xstate.snapshot', rootId: sessionId, actorRef, event: c.event, snapshot });
    }
  }
}
