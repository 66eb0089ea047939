/** A JSON syntax problem: where (0-based offset into the text) and what. */
export interface JsonProblem {
  readonly offset: number;
  readonly message: string;
}

const WS = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Internal: stops the scan at the first problem. */
class ScanStop extends Error {
  constructor(readonly problem: JsonProblem) {
    super(problem.message);
  }
}

/**
 * Locates the first syntax error of a JSON text, which Node 20's `JSON.parse` does not always report with a position
 * (`Unexpected token '}', … is not valid JSON`). A strict scanner of RFC 8259; null when the text is valid JSON.
 */
export function jsonErrorOffset(text: string): JsonProblem | null {
  let i = 0;
  const fail = (message: string): never => {
    throw new ScanStop({ offset: i, message });
  };
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++;
  };
  const expect = (ch: string, what: string) => {
    skip();
    if (text[i] !== ch) fail(i >= text.length ? `unexpected end of input, expected ${what}` : `expected ${what}, found '${text[i]}'`);
    i++;
  };
  const token = (re: RegExp, what: string) => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) fail(`invalid ${what}`);
    i += m![0].length;
  };
  const value = (): void => {
    skip();
    const c = text[i];
    if (c === undefined) return fail('unexpected end of input, expected a value');
    if (c === '{') {
      i++;
      skip();
      if (text[i] === '}') return void i++;
      for (;;) {
        skip();
        if (text[i] !== '"') fail(text[i] === undefined ? 'unexpected end of input, expected a property name' : `expected a double-quoted property name, found '${text[i]}'`);
        token(STRING, 'string');
        expect(':', "':' after the property name");
        value();
        skip();
        if (text[i] === ',') i++;
        else return expect('}', "',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        skip();
        if (text[i] === ',') i++;
        else return expect(']', "',' or ']'");
      }
    }
    if (c === '"') return token(STRING, 'string');
    if (c === '-' || (c >= '0' && c <= '9')) return token(NUMBER, 'number');
    const literal = LITERALS.find((l) => text.startsWith(l, i));
    if (literal) return void (i += literal.length);
    fail(`unexpected '${c}', expected a value`);
  };
  try {
    value();
    skip();
    if (i < text.length) fail(`unexpected '${text[i]}' after the end of the document`);
    return null;
  } catch (err) {
    if (err instanceof ScanStop) return err.problem;
    throw err;
  }
}
