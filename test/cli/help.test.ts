import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, runGantry } from './run-gantry.js';

describe('gantry help and usage errors', () => {
  it('--help lists every command and the global options, exit 0', async () => {
    const { code, stdout } = await runGantry(['--help']);
    expect(code).toBe(0);
    for (const command of ['chart', 'coverage', 'help', 'machines']) expect(stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, 'm'));
    for (const option of ['--db URL', '--state-dir DIR', '--json']) expect(stdout).toContain(option);
  });

  it('the sources through tsx (bin/gantry-dev.js) print the same help as the compiled CLI the tests run', async () => {
    const dev = await promisify(execFile)(process.execPath, ['bin/gantry-dev.js', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(dev.stdout).toBe((await runGantry(['--help'])).stdout);
  });

  it('help COMMAND and COMMAND --help print that command’s usage', async () => {
    const viaHelp = await runGantry(['help', 'chart']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('usage: gantry chart MACHINE [--format mermaid|json|svg]');
    const viaFlag = await runGantry(['chart', '--help']);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout).toBe(viaHelp.stdout);
  });

  it('bare gantry prints the command list on standard error and exits 2', async () => {
    const { code, stdout, stderr } = await runGantry([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('machines');
  });

  it('an unknown command, an unknown option or help for an unknown command exits 2 with a message', async () => {
    const unknown = await runGantry(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr).toContain('machines');

    const option = await runGantry(['machines', '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('--colour');
    expect(option.stderr).toContain("gantry help machines");

    const help = await runGantry(['help', 'frobnicate']);
    expect(help.code).toBe(2);
    expect(help.stderr).toContain("unknown command 'frobnicate'");
  });

  it('accepts the global options --db and --state-dir before or after the command', async () => {
    const before = await runGantry(['--db', 'postgres://nobody@127.0.0.1:1/none', '--state-dir', '/nonexistent/state', 'machines', '--json']);
    expect(before.code).toBe(0);
    const after = await runGantry(['machines', '--state-dir=/nonexistent/state', '--db', 'postgres://x@127.0.0.1:1/y', '--json']);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe(before.stdout);
  });
});
