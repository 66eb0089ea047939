import { describe, expect, it } from 'vitest';
import { parsePlan, PlanValidationError } from '../../plan/index.js';
import { issuesOf, minimalPlan, parseData, pathsAndMessages } from './plan-fixtures.js';

type Obj = Record<string, unknown>;
const ws0 = (data: Obj) => (data.workstreams as Obj[])[0]!;
const task0 = (data: Obj) => (ws0(data).tasks as Obj[])[0]!;

describe('structural errors (zod): file, exact path and message', () => {
  it('names a missing required key', () => {
    const data = minimalPlan();
    delete (data.run as Obj).phase;
    delete (data.run as Obj).repository;
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "run.phase: required key 'phase' is missing",
      "run.repository: required key 'repository' is missing (or give run.remote: the engine then keeps its own clone of it)",
    ]);
    // A task's command may come from a tool profile (issue 15): its absence is a check of the valid structure.
    const noCommand = minimalPlan();
    delete task0(noCommand).command;
    expect(pathsAndMessages(issuesOf(() => parseData(noCommand)))).toEqual([
      `workstreams[0].tasks[0]: task '${String(task0(noCommand).id)}' has no command: give it one, or 'tool:' naming a profile of 'tools:'`,
    ]);
  });

  it('names wrong types with what was found', () => {
    const data = minimalPlan();
    Object.assign(task0(data), { max_retries: 'three', timeout_sec: 1.5, critical: 'yes', depends_on: 'a0' });
    // In file order: the keys were appended to the task in this order.
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      'workstreams[0].tasks[0].max_retries: expected a number, got the string "three"',
      'workstreams[0].tasks[0].timeout_sec: expected an integer, got the number 1.5',
      'workstreams[0].tasks[0].critical: expected true or false, got the string "yes"',
      'workstreams[0].tasks[0].depends_on: expected a list, got the string "a0"',
    ]);
  });

  it('rejects ids outside [A-Za-z0-9][A-Za-z0-9._-]{0,127}, wherever an id is expected', () => {
    const data = minimalPlan();
    ws0(data).id = 'bad id';
    Object.assign(task0(data), { id: '-dash', depends_on: ['ok', 'x'.repeat(129)] });
    (data.run as Obj).phase = 'PH/2';
    const issues = issuesOf(() => parseData(data));
    expect(issues.map((i) => i.path)).toEqual(['run.phase', 'workstreams[0].id', 'workstreams[0].tasks[0].id', 'workstreams[0].tasks[0].depends_on[1]']);
    expect(issues[1]!.message).toBe('"bad id" is not valid: ids are [A-Za-z0-9][A-Za-z0-9._-]{0,127}');
  });

  it('checks enums, positive numbers and list lengths', () => {
    const data = minimalPlan();
    data.patch_rules = { max_bytes: 0 };
    ws0(data).gates = [{ id: 'g', type: 'UNITS', command: [] }];
    data.workers = { orchestration: [], uet: { count: -1 } };
    // In file order: patch_rules and workers were added after workstreams.
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      'workstreams[0].gates[0].type: expected one of LINT, UNIT, INTEGRATION, SECURITY, MANUAL, got the string "UNITS" (did you mean \'UNIT\'?)',
      'workstreams[0].gates[0].command: an argv array needs at least the program',
      'patch_rules.max_bytes: expected a number > 0, got the integer 0',
      'workers.orchestration: at least one orchestration pool is needed',
      'workers.uet.count: expected a number > 0, got the integer -1',
    ]);
  });

  it('explains a malformed command: blank, or an argv array with a non-string', () => {
    const data = minimalPlan();
    (ws0(data).tasks as Obj[]).push({ id: 'a2', command: '   ' }, { id: 'a3', command: ['node', 3] }, { id: 'a4', command: { run: 'x' } });
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      'workstreams[0].tasks[1].command: "   " is not valid: a command must not be blank',
      'workstreams[0].tasks[2].command[1]: expected a string, got the integer 3',
      'workstreams[0].tasks[3].command: expected a command: a non-blank string (run by sh -c) or a non-empty argv array of strings',
    ]);
  });

  it('requires patterns to be relative globs in patch_rules and workstream allowed_paths', () => {
    const data = minimalPlan();
    data.patch_rules = { allowed_paths: ['/etc/**', 'src/../../x'], forbidden: ['!keep', './secrets/**', 'C:/x'] };
    ws0(data).allowed_paths = ['src\\win'];
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      "workstreams[0].allowed_paths[0]: 'src\\win' uses '\\': separate path segments with '/'",
      "patch_rules.allowed_paths[0]: '/etc/**' is absolute: patterns are relative to the repository root (no leading '/')",
      "patch_rules.allowed_paths[1]: 'src/../../x' contains '..': patterns must stay inside the repository",
      "patch_rules.forbidden[0]: '!keep' is negated: negation is not supported (list excluded paths under patch_rules.forbidden)",
      "patch_rules.forbidden[1]: './secrets/**' starts with './': write it relative to the repository root without './'",
      "patch_rules.forbidden[2]: 'C:/x' is absolute: patterns are relative to the repository root (no leading '/')",
    ]);
  });

  it('rejects bad env names, branch names, and empty workstream or task lists', () => {
    const data = minimalPlan();
    (data.run as Obj).target_branch = 'feature..x';
    task0(data).env = { 'MY-VAR': 'x' };
    (data.workstreams as Obj[]).push({ id: 'ws-empty', tasks: [] });
    expect(pathsAndMessages(issuesOf(() => parseData(data)))).toEqual([
      'run.target_branch: not a valid git branch name',
      'workstreams[0].tasks[0].env["MY-VAR"]: invalid key \'MY-VAR\': environment variable names are [A-Za-z_][A-Za-z0-9_]*',
      'workstreams[1].tasks: a workstream needs at least one task',
    ]);
    expect(pathsAndMessages(issuesOf(() => parseData({ run: { phase: 'P', repository: '.' }, workstreams: [] })))).toEqual([
      'workstreams: a plan needs at least one workstream',
    ]);
  });

  it('rejects an empty document and a document that is not a mapping', () => {
    for (const [text, expected] of [
      ['', 'the plan is empty: expected a mapping with at least run and workstreams'],
      ['# only a comment\n', 'the plan is empty: expected a mapping with at least run and workstreams'],
      ['- run\n- workstreams\n', 'the plan must be a mapping (key: value) with at least run and workstreams, not a list'],
      ['just text', 'the plan must be a mapping (key: value) with at least run and workstreams, not a string'],
    ] as const) {
      const issues = issuesOf(() => parsePlan(text, { file: 'p.yaml' }));
      expect(issues).toEqual([expect.objectContaining({ file: 'p.yaml', path: '', message: expected })]);
    }
    expect(pathsAndMessages(issuesOf(() => parsePlan('null', { file: 'p.json' })))).toEqual([': the plan is empty: expected a mapping with at least run and workstreams']);
  });

  it('reports several errors at once, in file order, each with file, line and column, in one readable message', () => {
    const text = [
      'run:', //                                   1
      '  phase: PH-1', //                          2
      '  repository: .', //                        3
      'workstreams:', //                           4
      '  - id: ws-a', //                           5
      '    critical: maybe', //                    6
      '    tasks:', //                             7
      '      - id: a1', //                         8
      '        command: [node, a.js]', //          9
      '        max_retries: -1', //                10
      '  - id: "ws b"', //                         11
      '    tasks: [{ id: b1, command: x, tool: "a b" }]', // 12
    ].join('\n');
    let error: unknown;
    try {
      parsePlan(text, { file: 'plans/multi.yaml' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PlanValidationError);
    const { issues, message, file } = error as PlanValidationError;
    expect(file).toBe('plans/multi.yaml');
    expect(issues.map((i) => [i.file, i.line, i.column, i.path])).toEqual([
      ['plans/multi.yaml', 6, 5, 'workstreams[0].critical'],
      ['plans/multi.yaml', 10, 9, 'workstreams[0].tasks[0].max_retries'],
      ['plans/multi.yaml', 11, 5, 'workstreams[1].id'],
      ['plans/multi.yaml', 12, 35, 'workstreams[1].tasks[0].tool'],
    ]);
    expect(message.split('\n')).toEqual([
      'plans/multi.yaml: invalid plan (4 errors):',
      '  plans/multi.yaml:6:5: workstreams[0].critical: expected true or false, got the string "maybe"',
      '  plans/multi.yaml:10:9: workstreams[0].tasks[0].max_retries: expected a number ≥ 0, got the integer -1',
      '  plans/multi.yaml:11:5: workstreams[1].id: "ws b" is not valid: ids are [A-Za-z0-9][A-Za-z0-9._-]{0,127}',
      '  plans/multi.yaml:12:35: workstreams[1].tasks[0].tool: "a b" is not valid: ids are [A-Za-z0-9][A-Za-z0-9._-]{0,127}',
    ]);
  });
});
