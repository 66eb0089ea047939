/** A C-style quoted token read from the start of a string, and what follows it. */
export interface QuotedToken {
  /** The unquoted value (bytes decoded as UTF-8; invalid sequences become U+FFFD). */
  readonly value: string;
  /** The text after the closing quote. */
  readonly rest: string;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * Reads a path as git quotes it (`core.quotePath`): `"…"` with `\a \b \t \n \v \f \r \" \\`
 * and `\ooo` octal bytes (how git writes non-ASCII and control bytes). `text` must start with
 * `"`; returns null when the quoting is malformed (no closing quote, bad escape).
 */
export function readQuotedToken(text: string): QuotedToken | null {
  if (!text.startsWith('"')) return null;
  const bytes: number[] = [];
  for (let i = 1; i < text.length; i++) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (ch === '"') return { value: Buffer.from(bytes).toString('utf8'), rest: text.slice(i + 1) };
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      i += ch.length - 1; // a character outside the BMP is two UTF-16 units
      continue;
    }
    const next = text[i + 1];
    if (next === undefined) return null;
    if (next in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[next]!);
      i += 1;
    } else if (/^[0-3][0-7]{2}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      return null;
    }
  }
  return null;
}

/**
 * A path as written in a diff header: unquoted when it starts with `"` (null when the quoting is
 * malformed), else taken as is.
 */
export function unquoteGitPath(text: string): string | null {
  if (!text.startsWith('"')) return text;
  const token = readQuotedToken(text);
  return token === null || token.rest !== '' ? null : token.value;
}
