import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlan, parsePlan, PlanReadError, PlanSyntaxError } from '../../plan/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-plan-syntax-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID_YAML = 'run: { phase: P, repository: . }\nworkstreams:\n  - id: w\n    tasks: [{ id: t, command: x }]\n';
const VALID_JSON = JSON.stringify({ run: { phase: 'P', repository: '.' }, workstreams: [{ id: 'w', tasks: [{ id: 't', command: 'x' }] }] });

/** The PlanSyntaxError that parsing `text` throws. */
function syntaxError(text: string, file: string): PlanSyntaxError {
  try {
    parsePlan(text, { file });
  } catch (err) {
    expect(err).toBeInstanceOf(PlanSyntaxError);
    return err as PlanSyntaxError;
  }
  throw new Error('expected a PlanSyntaxError');
}

describe('malformed YAML or JSON is a PlanSyntaxError with file, line and column', () => {
  it('YAML: an unclosed flow sequence, at the position the yaml package reports', () => {
    const err = syntaxError('run:\n  phase: P\nworkstreams: [a, b\nother: 1\n', 'bad.yaml');
    expect(err).toMatchObject({ file: 'bad.yaml', format: 'yaml', line: 4, column: 1 });
    expect(err.message).toBe('bad.yaml:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]');
  });

  it('YAML: bad indentation, a duplicate key, several documents', () => {
    expect(syntaxError('run:\n  phase: P\n repository: x\n', 'i.yaml')).toMatchObject({ line: 3, column: 1 });
    const dup = syntaxError('run: { phase: P }\nworkstreams: []\nrun: {}\n', 'd.yaml');
    expect(dup).toMatchObject({ line: 3, column: 1 });
    expect(dup.detail).toBe('Map keys must be unique');
    expect(syntaxError('run: {}\n---\nworkstreams: []\n', 'm.yaml')).toMatchObject({ line: 2, column: 1 });
  });

  it('YAML: an alias to no anchor', () => {
    const err = syntaxError('run: *nothing\n', 'a.yaml');
    expect(err.detail).toContain('nothing');
  });

  it('JSON: the first error with its line and column, even where JSON.parse gives no position', () => {
    expect(syntaxError('{\n  "run": {"phase": "P",\n  "workstreams": }\n', 'p.json')).toMatchObject({
      format: 'json',
      line: 3,
      column: 18,
      detail: "unexpected '}', expected a value",
    });
    expect(syntaxError('{"run": {}, }', 'p.json')).toMatchObject({ line: 1, column: 13, detail: "expected a double-quoted property name, found '}'" });
    expect(syntaxError('{"run": {}', 'p.json')).toMatchObject({ line: 1, column: 11, detail: "unexpected end of input, expected ',' or '}'" });
    expect(syntaxError('{"a": 1} x', 'p.json')).toMatchObject({ line: 1, column: 10, detail: "unexpected 'x' after the end of the document" });
    expect(syntaxError('{"run": {},\n "run": {}}', 'p.json')).toMatchObject({ line: 2, column: 2, detail: 'duplicate key in an object' });
  });

  it('JSON is strict: YAML-only syntax in a .json file is an error', () => {
    expect(syntaxError("{ run: { phase: P } }", 'p.json')).toMatchObject({ format: 'json', line: 1, column: 3 });
  });
});

describe('format by extension, else by content', () => {
  it('reads .yaml, .yml and .json by their extension', async () => {
    for (const [name, text, format] of [
      ['a.yaml', VALID_YAML, 'yaml'],
      ['a.yml', VALID_YAML, 'yaml'],
      ['a.json', VALID_JSON, 'json'],
      ['upper.JSON', VALID_JSON, 'json'],
    ] as const) {
      writeFileSync(join(dir, name), text);
      expect((await loadPlan(join(dir, name))).format, name).toBe(format);
    }
  });

  it('sniffs content for other names: a leading { is JSON, anything else YAML', async () => {
    writeFileSync(join(dir, 'plan-j'), `\n  ${VALID_JSON}`);
    writeFileSync(join(dir, 'plan-y.txt'), VALID_YAML);
    expect((await loadPlan(join(dir, 'plan-j'))).format).toBe('json');
    expect((await loadPlan(join(dir, 'plan-y.txt'))).format).toBe('yaml');
    expect(parsePlan(VALID_JSON).format).toBe('json');
    expect(parsePlan(VALID_JSON, { format: 'yaml' }).format).toBe('yaml');
  });

  it('skips a byte-order mark', () => {
    expect(parsePlan(`\uFEFF${VALID_YAML}`, { file: 'bom.yaml' }).tasks.map((t) => t.id)).toEqual(['t']);
  });
});

describe('unreadable files', () => {
  it('is a PlanReadError naming the file and why', async () => {
    const missing = join(dir, 'missing.yaml');
    await expect(loadPlan(missing)).rejects.toThrow(PlanReadError);
    await expect(loadPlan(missing)).rejects.toThrow(`${missing}: cannot read the plan: no such file`);
    await expect(loadPlan(dir)).rejects.toMatchObject({ name: 'PlanReadError', file: dir, reason: 'it is a directory' });
  });
});
