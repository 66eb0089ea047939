import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGantry } from '../cli/run-gantry.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-plan-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLE = 'test/plan/fixtures/plan-md-example.yaml';

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const INVALID = [
  'run: { phase: P, repository: . }',
  'workstreams:',
  '  - id: ws-a',
  '    depends_on: [ws-b]',
  '    tasks: [{ id: a1, command: x, requires: [gpu] }]',
  '  - id: ws-b',
  '    depends_on: [ws-a]',
  '    tasks: [{ id: b1, command: x, depends_on: [a9] }]',
].join('\n');

describe('gantry plan check PLAN', () => {
  it('prints the summary of a valid plan and exits 0', async () => {
    const { code, stdout, stderr } = await runGantry(['plan', 'check', EXAMPLE]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`${EXAMPLE}: valid plan`);
    expect(stdout).toContain('  run          demo-001, phase PH-002\n');
    expect(stdout).toContain('  counts       1 workstream, 1 task, 2 gates, 1 worker pool (2 workers), 1 UET worker\n');
    expect(stdout).toContain('    ws-lint (critical): depends on –; tasks fix-lint; gates lint LINT, unit UNIT\n');
    expect(stdout).toContain('    agent ×2: capabilities node, git; 1 task(s) each; affinity any\n');
    expect(stdout).toContain('    workstreams  ws-lint\n    tasks        fix-lint\n    gates ws-lint: lint → unit\n');
  });

  it('prints every error with file, line, column and path, and exits 2', async () => {
    const file = write('invalid.yaml', INVALID);
    const { code, stdout } = await runGantry(['plan', 'check', file]);
    expect(code).toBe(2);
    expect(stdout.trimEnd().split('\n')).toEqual([
      `${file}: invalid plan (3 errors):`,
      `  ${file}:4:18: workstreams[0].depends_on[0]: dependency cycle among workstreams: ws-a → ws-b → ws-a`,
      `  ${file}:5:35: workstreams[0].tasks[0].requires: task 'a1' requires 'gpu', which no orchestration pool has: pool 'agent' lacks 'gpu' (no pool at all has 'gpu')`,
      `  ${file}:8:48: workstreams[1].tasks[0].depends_on[0]: unknown task 'a9' (did you mean 'a1'?)`,
    ]);
  });

  it('--json: the plan, its order and warnings, or the errors', async () => {
    const ok = await runGantry(['plan', 'check', EXAMPLE, '--json']);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout) as { valid: boolean; plan: { run: { id: string }; tasks: { tool: string }[] }; order: unknown; warnings: unknown[] };
    expect(doc.valid).toBe(true);
    expect(doc.plan.run.id).toBe('demo-001');
    expect(doc.plan.tasks[0]!.tool).toBe('codemod');
    expect(doc.order).toEqual({ workstreams: ['ws-lint'], tasks: ['fix-lint'], gates: { 'ws-lint': ['lint', 'unit'] } });
    expect(doc.warnings).toEqual([]);

    const file = write('invalid-json.yaml', INVALID);
    const bad = await runGantry(['--json', 'plan', 'check', file]);
    expect(bad.code).toBe(2);
    const errors = JSON.parse(bad.stdout) as { valid: boolean; file: string; errors: { file: string; path: string; message: string; line: number; column: number }[] };
    expect(errors.valid).toBe(false);
    expect(errors.errors.map((e) => [e.file, e.path, e.line, e.column])).toEqual([
      [file, 'workstreams[0].depends_on[0]', 4, 18],
      [file, 'workstreams[0].tasks[0].requires', 5, 35],
      [file, 'workstreams[1].tasks[0].depends_on[0]', 8, 48],
    ]);
  });

  it('reports a YAML syntax error with its line and column, and a missing file, with exit 2', async () => {
    const file = write('syntax.yaml', 'run:\n  phase: [P\nworkstreams: []\n');
    const syntax = await runGantry(['plan', 'check', file]);
    expect(syntax.code).toBe(2);
    expect(syntax.stdout).toContain(`${file}:3:1: YAML syntax error: `);

    const missing = join(dir, 'none.yaml');
    const gone = await runGantry(['plan', 'check', missing, '--json']);
    expect(gone.code).toBe(2);
    expect(JSON.parse(gone.stdout)).toEqual({ valid: false, file: missing, errors: [{ file: missing, path: '', message: 'cannot read the plan: no such file', line: null, column: null }] });
  });

  it('is a usage error (exit 2) without a PLAN', async () => {
    const { code, stderr } = await runGantry(['plan', 'check']);
    expect(code).toBe(2);
    expect(stderr).toContain('plan check: missing PLAN');
  });
});
