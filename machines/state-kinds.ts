import type { AnyStateMachine } from 'xstate';

/**
 * The state tag that marks a failure state (severity `error` when entered, SSOT §7.2.2; counted by the failure
 * reports of SSOT §7.3.2). Declared once, on the states of the machine definitions (`tags: [FAILURE_TAG]`).
 */
export const FAILURE_TAG = 'failure';

/** The kinds of a machine's top-level states, read from its definition. */
export interface StateKinds {
  /** States of `type: 'final'`. */
  readonly final: readonly string[];
  /** States no transition leaves (targetless in-state updates do not count). */
  readonly noExit: readonly string[];
  /** States tagged {@link FAILURE_TAG}. */
  readonly failure: readonly string[];
}

/**
 * Reads the final, exit-less and failure states of a machine from its definition (definition order). Pure; the
 * catalog checks that final and exit-less states agree, so "terminal" has one meaning.
 */
export function stateKinds(machine: AnyStateMachine): StateKinds {
  const nodes = Object.entries(machine.root.states);
  const leaves = (name: string): boolean =>
    [...machine.root.states[name]!.transitions.values()].some((defs) => defs.some((t) => (t.target ?? []).some((n) => n.key !== name)));
  return {
    final: nodes.filter(([, n]) => n.type === 'final').map(([s]) => s),
    noExit: nodes.filter(([s]) => !leaves(s)).map(([s]) => s),
    failure: nodes.filter(([, n]) => n.tags.includes(FAILURE_TAG)).map(([s]) => s),
  };
}
