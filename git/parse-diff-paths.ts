import { parseDiff } from './parse-diff.js';

/**
 * Every path a diff touches, each once in order of appearance: old and new names (both sides of
 * a rename or copy, deleted and added files), prefixes stripped, git quoting undone (spaces,
 * unicode, escapes). Names from malformed sections are included too: a path check must see
 * everything a patch mentions.
 */
export function parseDiffPaths(diff: string): string[] {
  const paths = new Set<string>();
  for (const file of parseDiff(diff).files) for (const name of file.names) paths.add(name);
  return [...paths];
}
