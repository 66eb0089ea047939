import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { STUCK_ENTITY_TYPES } from '../../ops/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNBOOKS = join(ROOT, 'docs/runbooks');
const GLOBAL_OPTIONS = new Set(['--db', '--state-dir', '--json', '--help']);

interface Rule {
  readonly alert: string;
  readonly annotations: Readonly<Record<string, string>>;
}

const rules = (): Rule[] =>
  (parse(readFileSync(join(ROOT, 'ops/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/** GitHub's anchor of a Markdown heading: lower case, punctuation other than `-` and `_` removed, spaces as `-`. */
const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

/** The anchors of the `#`…`######` headings of a Markdown file (outside fenced code). */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(slug(m[1]!));
  }
  return out;
}

/** Resolves `path#anchor` (relative to `from`, a file or the repository root) to an existing file and heading, or says why not. */
function resolveLink(link: string, from: string): string | null {
  const [path, anchor] = link.split('#') as [string, string | undefined];
  const file = path === '' ? from : resolve(from === ROOT ? ROOT : dirname(from), path);
  if (!existsSync(file)) return `${link}: no file ${file}`;
  if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) return `${link}: no heading #${anchor} in ${file}`;
  return null;
}

/** Every `gantry …` line of the fenced code blocks of the runbooks and the deployment guide. */
function gantryLines(file: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (fenced && /^\s*gantry /.test(line)) lines.push(line.trim().replace(/\s+#.*$/, ''));
  }
  return lines;
}

const DOCS = ['docs/runbooks/alerts.md', 'docs/runbooks/stuck.md', 'docs/deploy.md'].map((f) => join(ROOT, f));

describe('runbooks (docs/runbooks/)', () => {
  it('every alert rule has a runbook_url that resolves to a heading of a runbook', () => {
    const all = rules();
    expect(all.length).toBeGreaterThan(0);
    for (const r of all) {
      const url = r.annotations['runbook_url'];
      expect(url, `${r.alert} has no runbook_url`).toMatch(/^docs\/runbooks\/[a-z-]+\.md#[a-z0-9_-]+$/);
      expect(url!.split('#')[1], `${r.alert}: the anchor is the alert's name`).toBe(r.alert.toLowerCase());
      expect(resolveLink(url!, ROOT)).toBeNull();
    }
  });

  it('every stuck class of ops/find-stuck.ts has a section in stuck.md', () => {
    const have = anchors(join(RUNBOOKS, 'stuck.md'));
    for (const type of STUCK_ENTITY_TYPES) expect(have.has(slug(type)), `no section for stuck ${type}`).toBe(true);
  });

  it('every relative link of the runbooks and the deployment guide resolves to a file and heading', () => {
    for (const file of DOCS) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1]!;
        if (/^[a-z]+:/.test(link)) continue;
        expect(resolveLink(link, file), `${file}`).toBeNull();
      }
    }
  });

  it('every gantry command they show exists, with options it accepts', () => {
    for (const file of DOCS) {
      const lines = gantryLines(file);
      expect(lines.length, file).toBeGreaterThan(0);
      for (const line of lines) {
        const words = line.split(/\s+/).slice(1);
        const two = join(ROOT, 'cli/commands', `${words[0]}-${words[1]}.ts`);
        const one = join(ROOT, 'cli/commands', `${words[0]}.ts`);
        const source = existsSync(two) ? two : one;
        expect(existsSync(source), `${file}: no command for '${line}'`).toBe(true);
        const text = readFileSync(source, 'utf8');
        for (const opt of line.match(/(?<=\s)--[a-z][a-z-]*/g) ?? []) {
          const name = opt.slice(2);
          const known = GLOBAL_OPTIONS.has(opt) || text.includes(`${opt} `) || text.includes(`${opt}]`) || new RegExp(`['"]?${name}['"]?\\s*:\\s*\\{\\s*type`).test(text);
          expect(known, `${file}: '${line}': ${source.replace(ROOT, '')} has no option ${opt}`).toBe(true);
        }
      }
    }
  });

  it('the root README points at the runbooks and the deployment guide', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('](docs/deploy.md)');
    expect(readme).toContain('](docs/runbooks/alerts.md)');
    expect(readme).toContain('](docs/runbooks/stuck.md)');
  });
});
