/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short strings. */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * ` (did you mean 'command'?)` when one of `candidates` is close to `name` (a typo: at most a third of its letters
 * differ, case ignored), else `''` — to be appended to an "unknown …" message.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const lower = name.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(name.length, 3) / 3));
  return best !== null && bestDistance <= limit ? ` (did you mean '${best}'?)` : '';
}

/** `'a', 'b', 'c'` for a message; `none` when empty. */
export function quoteList(items: Iterable<string>): string {
  const list = [...items].map((s) => `'${s}'`);
  return list.length ? list.join(', ') : 'none';
}
