import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const OPS = fileURLToPath(new URL('../../ops/', import.meta.url));

/** Runs promtool in ops/; a missing promtool fails the test loudly (install Debian `prometheus`; .ci/run does). */
async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: OPS });
    return stdout + stderr;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: install the Debian package prometheus (apt-get install -y prometheus)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('alert rules (ops/alerts.yml, SSOT §7.3.3)', () => {
  it('has the nine rules of docs/design/engine.md §5, five critical and four warning, each unit-tested firing and not firing', async () => {
    const rules = (parse(await readFile(`${OPS}alerts.yml`, 'utf8')) as { groups: { rules: { alert: string; labels: { severity: string } }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(9);
    expect(rules.filter((r) => r.labels.severity === 'critical')).toHaveLength(5);
    expect(rules.filter((r) => r.labels.severity === 'warning')).toHaveLength(4);
    const tests = (parse(await readFile(`${OPS}alerts.test.yml`, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test);
    for (const r of rules) {
      const mine = tests.filter((t) => t.alertname === r.alert);
      expect(mine.some((t) => t.exp_alerts.length === 0), `${r.alert} not-firing case`).toBe(true);
      expect(mine.some((t) => t.exp_alerts.length > 0), `${r.alert} firing case`).toBe(true);
    }
  });

  it('promtool check rules accepts the file', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 9 rules found/);
  });

  it('promtool test rules passes every firing and non-firing case', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });
});
