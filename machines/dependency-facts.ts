/** Every id in `ids` has a state in `states` that is one of `ok` (SSOT §8.4: dependencies checked first). */
export function allIn(ids: readonly string[], states: Readonly<Record<string, string>>, ok: readonly string[]): boolean {
  return ids.every((id) => {
    const s = states[id];
    return s !== undefined && ok.includes(s);
  });
}

/** Some id in `ids` has a known state that is one of `bad`. */
export function someIn(ids: readonly string[], states: Readonly<Record<string, string>>, bad: readonly string[]): boolean {
  return ids.some((id) => {
    const s = states[id];
    return s !== undefined && bad.includes(s);
  });
}

/** The ids among `ids` whose state is missing or not one of `ok`: the blockers. */
export function notIn(ids: readonly string[], states: Readonly<Record<string, string>>, ok: readonly string[]): string[] {
  return ids.filter((id) => {
    const s = states[id];
    return s === undefined || !ok.includes(s);
  });
}
