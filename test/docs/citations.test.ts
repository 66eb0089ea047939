import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every section a comment, README or document cites must be a heading of a document in docs/:
//   `SSOT §x.y` (and a bare `§x.y`, as in the machines' edge meta) → docs/design/machines.md, the SSOT;
//   `<path>/engine.md §n`, `machines.md §n`, `plan.md §n` → docs/design/<name>.md;
//   `R-n`, `EXT-n` → docs/design/machines.md; `D-n` → a row of docs/engine-decisions.md.

const ROOT = join(import.meta.dirname, '..', '..');
const DESIGN = join(ROOT, 'docs', 'design');
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.state', 'api']);
const TEXT = /\.(ts|mts|js|mjs|cjs|md|ya?ml|sh)$/;
/** Files that talk *about* citation syntax rather than cite. */
const SKIP_FILES = new Set(['test/docs/citations.test.ts']);

function textFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) textFiles(join(dir, e.name), out);
    } else if (TEXT.test(e.name) && !SKIP_FILES.has(relative(ROOT, join(dir, e.name)))) {
      out.push(join(dir, e.name));
    }
  }
  return out;
}

/** Section tokens (`§1.4`, `R-1`, `EXT-2`) of every heading of a markdown file. */
function headingTokens(file: string): Set<string> {
  const tokens = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!/^#{1,6} /.test(line)) continue;
    for (const m of line.matchAll(/§\d+(?:\.\d+)*|\b(?:R|EXT)-\d+\b/g)) tokens.add(m[0]);
  }
  return tokens;
}

interface Citation {
  readonly doc: string;
  readonly section: string;
  readonly where: string;
}

const NUM = String.raw`\d+(?:\.\d+)*`;
// An optional document (`SSOT`, or a path ending in engine.md / machines.md / plan.md), a section, and the sections
// chained to it (`, §b`, ` and §b`, `–c`, `/§d`), which belong to the same document.
const SECTION_RUN = new RegExp(
  String.raw`(?:(SSOT)\s+|((?:[\w.-]+/)*(?:engine|machines|plan)\.md)\s+)?§(${NUM})((?:\s*,\s*§${NUM}|\s+and\s+§${NUM}|\s*–\s*§?${NUM}|\s*/\s*§${NUM})*)`,
  'g',
);

function citationsIn(file: string): Citation[] {
  // Markdown headings define sections rather than cite them.
  const raw = readFileSync(file, 'utf8');
  const text = file.endsWith('.md') ? raw.replace(/^#{1,6} .*$/gm, '') : raw;
  const rel = relative(ROOT, file);
  const found: Citation[] = [];
  const lineOf = (index: number): string => `${rel}:${text.slice(0, index).split('\n').length}`;
  for (const m of text.matchAll(SECTION_RUN)) {
    const doc = m[2] ? m[2].replace(/^.*\//, '') : 'machines.md';
    const sections = [m[3]!, ...[...m[4]!.matchAll(new RegExp(NUM, 'g'))].map((n) => n[0])];
    for (const s of sections) found.push({ doc, section: `§${s}`, where: lineOf(m.index) });
  }
  for (const m of text.matchAll(/\b(R|EXT)-(\d+)\b/g)) found.push({ doc: 'machines.md', section: m[0], where: lineOf(m.index) });
  for (const m of text.matchAll(/\bD-(\d+)\b/g)) found.push({ doc: 'engine-decisions', section: m[0], where: lineOf(m.index) });
  return found;
}

const designDocs = Object.fromEntries(readdirSync(DESIGN).filter((f) => f.endsWith('.md')).map((f) => [f, headingTokens(join(DESIGN, f))]));
const decisions = new Set([...readFileSync(join(ROOT, 'docs', 'engine-decisions.md'), 'utf8').matchAll(/^\| (D-\d+) \|/gm)].map((m) => m[1]!));

/** The citations that name no heading, as `file:line: document has no §x`. */
function unresolved(citations: readonly Citation[]): string[] {
  const missing = citations
    .filter((c) => (c.doc === 'engine-decisions' ? !decisions.has(c.section) : !designDocs[c.doc]?.has(c.section)))
    .map((c) => `${c.where}: ${c.doc === 'engine-decisions' ? 'docs/engine-decisions.md' : `docs/design/${c.doc}`} has no ${c.section}`);
  return [...new Set(missing)];
}

describe('citations of the design resolve to headings in docs/', () => {
  const citations = textFiles(ROOT).flatMap(citationsIn);

  it('finds the citations of the tree (the scanner works)', () => {
    expect(citations.length).toBeGreaterThan(400);
    expect(Object.keys(designDocs).sort()).toEqual(['engine.md', 'machines.md', 'plan.md']);
  });

  it('has a heading for every cited section', () => {
    expect(unresolved(citations)).toEqual([]);
  });

  it('reports citations that have no heading, each against its own document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-citations-'));
    try {
      const file = join(dir, 'sample.ts');
      const cite = (s: string): string => s.replace('#', '§');
      writeFileSync(file, [
        `// SSOT ${cite('#1.4')}, ${cite('#77.1')} and ${cite('#1.3.4')}; docs/design/engine.md ${cite('#3')}, ${cite('#1.2')}`,
        `// engine.md ${cite('#6')}–9; ${cite('#2.2')} R-1 R-99 EXT-2 EXT-99 D-12 D-99`,
      ].join('\n'));
      expect(unresolved(citationsIn(file)).map((u) => u.replace(/^.*sample\.ts/, ''))).toEqual([
        ':1: docs/design/machines.md has no §77.1',
        ':1: docs/design/engine.md has no §1.2',
        ':2: docs/design/engine.md has no §9',
        ':2: docs/design/machines.md has no R-99',
        ':2: docs/design/machines.md has no EXT-99',
        ':2: docs/engine-decisions.md has no D-99',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
