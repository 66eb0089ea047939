import type { ContextFrom, EventFrom, StateValueFrom } from 'xstate';
import type { z } from 'zod';
import type { EntityType, machineDefinitions } from './machine-catalog.js';

type Definitions = typeof machineDefinitions;
type EventSchemas<T extends EntityType> = Definitions[T]['eventSchemas'];

/** `now` made optional: the actor layer fills it from its clock when a caller leaves it out. */
type NowOptional<E> = E extends { now: number } ? Omit<E, 'now'> & { now?: number } : E;

/** The XState machine of entity type `T`, with its precise types. */
export type MachineOf<T extends EntityType> = Definitions[T]['machine'];

/** The machine context of entity type `T` (e.g. `ContextOf<'task'>` is `TaskContext`). */
export type ContextOf<T extends EntityType> = ContextFrom<MachineOf<T>>;

/** The state names of entity type `T` (its machines are flat: a state value is one name). */
export type StateOf<T extends EntityType> = Extract<StateValueFrom<MachineOf<T>>, string>;

/** An event of entity type `T` as its machine sees it: validated, defaults filled, `now` set. */
export type EventOf<T extends EntityType> = EventFrom<MachineOf<T>>;

/** The event type names of entity type `T`. */
export type EventTypeOf<T extends EntityType> = EventOf<T>['type'];

/**
 * An event of entity type `T` as a caller sends it (the input side of its zod schema): fields with defaults may be
 * left out, and `now` defaults to the actor system's clock.
 */
export type SendEventOf<T extends EntityType> = {
  [K in keyof EventSchemas<T>]: NowOptional<z.input<EventSchemas<T>[K]>>;
}[keyof EventSchemas<T>] & { readonly now?: number };

/** The input that creates an entity of type `T` (input side of its zod schema; `now` defaults to the clock). */
export type InputOf<T extends EntityType> = NowOptional<z.input<Definitions[T]['inputSchema']>>;

/**
 * Everything the typed actor API knows about each entity type, derived from the machine definitions (never restated):
 * `EntityTypes['task']['context']` is the Task machine's context, `['state']` the union of its state names, and so on.
 */
export type EntityTypes = {
  readonly [T in EntityType]: {
    readonly context: ContextOf<T>;
    readonly state: StateOf<T>;
    readonly event: EventOf<T>;
    readonly sendEvent: SendEventOf<T>;
    readonly input: InputOf<T>;
  };
};
