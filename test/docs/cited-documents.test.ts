import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 10: comments and READMEs cite documents that exist in the repository (once, about 545 comments cited
// `shared/spec/*.md`, which never was in it). Every path to a markdown document written in the code, the scripts, the
// CI script and the documents themselves must name a file of the tree: relative to the repository, to the citing
// file's folder, or to docs/ (what generators write there links from there). Tests and examples are left out: their
// paths are fixtures (`docs/x.md` written by a task), not citations.

const ROOT = join(import.meta.dirname, '..', '..');
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.state', '.test-build', 'api', 'test', 'examples']);
const TEXT = /\.(ts|mts|js|mjs|cjs|md|ya?ml|sh)$/;
/** Extension-less scripts that are cited as text too. */
const SCRIPTS = new Set(['.ci/run']);

function textFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) textFiles(path, out);
    } else if (TEXT.test(e.name) || SCRIPTS.has(relative(ROOT, path))) {
      out.push(path);
    }
  }
  return out;
}

/** A path to a markdown document with at least one folder (`docs/deploy.md`, `../adr/README.md`, `shared/spec/x.md`). */
const DOC_PATH = /(?<![\w/.@-])((?:\.\.?\/)*(?:[\w-]+\/)+[\w.-]+\.md)\b/g;

/** Every document path `file` cites, and those of them that name no file, as `file:line: path`. */
function citedDocuments(file: string): { cited: number; missing: string[] } {
  const text = readFileSync(file, 'utf8');
  const missing: string[] = [];
  let cited = 0;
  for (const m of text.matchAll(DOC_PATH)) {
    cited += 1;
    const path = m[1]!;
    if ([ROOT, dirname(file), join(ROOT, 'docs')].some((base) => existsSync(join(base, path)))) continue;
    missing.push(`${relative(ROOT, file)}:${text.slice(0, m.index).split('\n').length}: ${path}`);
  }
  return { cited, missing };
}

describe('documents cited in the repository exist in it', () => {
  const files = textFiles(ROOT);
  const results = files.map(citedDocuments);

  it('scans the code, the scripts, .ci/run and the documents (the scanner works)', () => {
    expect(files.map((f) => relative(ROOT, f))).toContain('.ci/run');
    expect(results.reduce((n, r) => n + r.cited, 0)).toBeGreaterThan(200);
  });

  it('has a file for every cited document', () => {
    expect(results.flatMap((r) => r.missing)).toEqual([]);
  });

  it('reports a document outside the repository and a misspelt one, with their lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-cited-'));
    try {
      const file = join(dir, 'sample.ts');
      writeFileSync(file, ['// see shared/spec/engine.md §3 and docs/deploy.md', '// docs/runbooks/stuck.md, docs/runbook/stuck.md, @scope/pkg/x.md'].join('\n'));
      expect(citedDocuments(file).missing.map((m) => m.replace(/^.*sample\.ts/, ''))).toEqual([':1: shared/spec/engine.md', ':2: docs/runbook/stuck.md']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
