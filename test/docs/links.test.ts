import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every relative link in docs/ (and the READMEs beside the code) points at a file that exists and, with a `#anchor`,
// at an explicit `<a id>` or a heading of that file (GitHub's heading slugs).
const ROOT = join(import.meta.dirname, '..', '..');

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (e.name !== 'api' && e.name !== 'node_modules') markdownFiles(join(dir, e.name), out);
    } else if (e.name.endsWith('.md')) out.push(join(dir, e.name));
  }
  return out;
}

/** GitHub's slug of a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  const anchors = new Set<string>();
  for (const m of text.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(m[1]!);
  for (const m of text.matchAll(/^#{1,6} (.*)$/gm)) anchors.add(slug(m[1]!));
  return anchors;
}

function brokenLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1]!;
    if (/^[a-z]+:/.test(href)) continue;
    const [path, anchor] = href.split('#') as [string, string | undefined];
    const target = path === '' ? file : join(dirname(file), path);
    const where = `${relative(ROOT, file)}: ${href}`;
    if (!existsSync(target)) broken.push(`${where} (no such file)`);
    else if (anchor !== undefined && statSync(target).isFile() && !anchorsOf(target).has(anchor)) broken.push(`${where} (no such anchor)`);
  }
  return broken;
}

describe('links in the documentation', () => {
  const files = [...markdownFiles(join(ROOT, 'docs')), join(ROOT, 'plan', 'README.md')];

  it('resolve to existing files and anchors', () => {
    expect(files.length).toBeGreaterThan(15);
    expect(files.flatMap(brokenLinks)).toEqual([]);
  });

  it('reports a missing file and a missing anchor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-links-'));
    try {
      const file = join(dir, 'sample.md');
      writeFileSync(file, '# Title\n\n[ok](#title) [file](nope.md) [anchor](#nowhere) [web](https://example.org)\n');
      expect(brokenLinks(file).map((b) => b.replace(/^.*sample\.md: /, ''))).toEqual(['nope.md (no such file)', '#nowhere (no such anchor)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses GitHub heading slugs', () => {
    expect(slug('Run (`run`)')).toBe('run-run');
    expect(slug('UET worker (`uet_worker`)')).toBe('uet-worker-uet_worker');
    expect(slug('Keys added by other features')).toBe('keys-added-by-other-features');
  });
});
