import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/index.js';
import { issuesOf, pathsAndMessages } from './plan-fixtures.js';

// Issue 16: `run.remote`, the repository as a git URL that workers on other hosts fetch from.
const plan = (run: string): string => `
run: { phase: PH-1, ${run} }
workstreams:
  - id: ws
    tasks:
      - { id: a, command: "true" }
`;

describe('plan key run.remote', () => {
  it('takes a URL in place of run.repository: kept as written; the repository is then the engine\'s clone (empty here)', () => {
    for (const url of ['git@git.example.com:team/app.git', 'ssh://git@host/app.git', 'https://host/app.git', 'file:///srv/app.git']) {
      const p = parsePlan(plan(`remote: "${url}"`), { file: '/plans/p.yaml' });
      expect(p.run.remote).toBe(url);
      expect(p.run.repository).toBe('');
    }
  });

  it('makes a path (a bare repository) absolute against the plan file\'s folder', () => {
    expect(parsePlan(plan('remote: ../shared/app.git'), { file: '/plans/p.yaml' }).run.remote).toBe('/shared/app.git');
    expect(parsePlan(plan('remote: /srv/app.git'), { file: '/plans/p.yaml' }).run.remote).toBe('/srv/app.git');
  });

  it('is absent by default', () => {
    expect(parsePlan(plan('repository: /repo'), { file: '/plans/p.yaml' }).run.remote).toBeUndefined();
  });

  it('refuses transports that run programs, unknown schemes, both keys at once, and neither', () => {
    const issues = (run: string) => pathsAndMessages(issuesOf(() => parsePlan(plan(run), { file: '/plans/p.yaml' })));
    expect(issues('remote: "ext::sh -c evil"')).toEqual(['run.remote: remote "ext::sh -c evil" is not supported: the ext:: transport runs programs; use a path, file://, ssh://, git:// or https:// URL']);
    expect(issues('remote: "ftp://host/app.git"')).toEqual([`run.remote: remote "ftp://host/app.git" is not supported: scheme 'ftp' is not one of file, ssh, git, http, https`]);
    expect(issues('repository: /repo, remote: /srv/app.git')).toEqual(['run.remote: give run.repository or run.remote, not both: with run.remote the engine keeps its own clone of it in its state directory']);
    expect(issues('target_branch: main')).toEqual(["run.repository: required key 'repository' is missing (or give run.remote: the engine then keeps its own clone of it)"]);
  });
});
