#!/usr/bin/env node
// Rewrites the citations in comments and READMEs of the whole tree so that they name documents that exist in the
// repository (docs/design/, see docs/README.md):
//
//   shared/spec/machines.md, ../shared/spec/machines.md  → docs/design/machines.md   (likewise engine.md, plan.md)
//   engine.md §n                                          → docs/design/engine.md §n
//   machines.md §6 / §7 (the spec's own numbering)        → SSOT §2.2 / SSOT §2.3   (its sections 1–8 are SSOT §1.2 …)
//   machines.md, plan.md (a bare file name)              → docs/design/machines.md, docs/design/plan.md
//   `SSOT §x.y`, a bare `§x.y`, R-n, EXT-n, D-n          → unchanged: docs/README.md defines "SSOT" as
//                                                          docs/design/machines.md, whose headings carry these numbers
//
// What is rewritten: in code (.ts .js .mjs .cjs), comment lines (`//`, `/*`, ` *`), the comment after code on a line
// (`code; // …`) and test titles (`describe(` / `it(` / `test(` lines); in .yml/.yaml/.sh, `#` comments; Markdown files
// whole. String literals elsewhere (help texts, error messages) are left alone. Skipped: node_modules, .git, dist,
// .state, and docs/ except docs/engine-decisions.md (docs/ is written with the right paths already).
//
// Usage: node scripts/rewrite-citations.mjs [--dry-run]   (--dry-run prints the counts per rule and per file, writes nothing)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DRY = process.argv.includes('--dry-run');
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.state', 'coverage-report']);
/** Files that describe citation syntax rather than cite (this script, the test of citations). */
const SELF = new Set(['scripts/rewrite-citations.mjs', 'test/docs/citations.test.ts']);

/** The spec's machines.md numbered its machines 1–8; the SSOT numbers them §1.2 … §2.4. */
const SPEC_MACHINE_SECTION = { 1: '1.2', 2: '1.3', 3: '1.4', 4: '1.5', 5: '2.1', 6: '2.2', 7: '2.3', 8: '2.4' };

/** [name, pattern, replacement], applied in order to each rewritable piece of text. */
const RULES = [
  // Places that mean the original specification text rather than a section of it (no apostrophes: some are titles
  // of tests inside quotes).
  ['spec transcription', /transcribed once by hand from (?:\.\.\/)*shared\/spec\/machines\.md/g, 'transcribed once by hand from the design (restated in docs/design/machines.md)'],
  ['spec example plan', /The plan of plan\.md, verbatim \(the contract's example\)/g, 'The example plan of the original plan contract, verbatim (every key: docs/plan-format.md)'],
  ['spec example plan', /the plan\.md example/g, 'the example plan of the contract'],
  ['spec example plan', /the forbidden globs of plan\.md/g, 'the forbidden globs of the example plan of the contract'],
  ['spec example plan', /left out in plan\.md:/g, 'left out in the example plan of the contract:'],
  ['shared/spec path', /(?:\.\.\/)*(?:\/work\/)?shared\/spec\/(machines|engine|plan)\.md/g, 'docs/design/$1.md'],
  [
    'machines.md §n (spec numbering)',
    /(?<![\w/.-])machines\.md §([1-8])(?![\d.])/g,
    (_, n) => `SSOT §${SPEC_MACHINE_SECTION[n]}`,
  ],
  ['engine.md', /(?<![\w/.-])engine\.md(?![\w-])/g, 'docs/design/engine.md'],
  ['machines.md', /(?<![\w/.-])machines\.md(?![\w-])/g, 'docs/design/machines.md'],
  ['plan.md', /(?<![\w/.-])plan\.md(?![\w-])/g, 'docs/design/plan.md'],
  // `SSOT §2.3, machines.md §7` became `SSOT §2.3, SSOT §2.3`: say it once.
  ['duplicate after rewrite', /SSOT §(\d+(?:\.\d+)*), SSOT §\1(?![\d.])/g, 'SSOT §$1'],
];

const counts = new Map(RULES.map(([name]) => [name, 0]));

function rewrite(text) {
  let out = text;
  for (const [name, pattern, replacement] of RULES) {
    out = out.replace(pattern, (...args) => {
      counts.set(name, counts.get(name) + 1);
      return typeof replacement === 'function' ? replacement(...args) : args[0].replace(new RegExp(pattern.source), replacement);
    });
  }
  return out;
}

/** The index where a `//` comment starts on a line of code, or -1 (a `//` inside a quoted string does not count). */
function trailingComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '/' && line[i + 1] === '/' && line[i - 1] !== ':' && line[i - 1] !== '\\') return i;
  }
  return -1;
}

function rewriteCode(text) {
  return text
    .split('\n')
    .map((line) => {
      const t = line.trimStart();
      if (t.startsWith('//') || t.startsWith('/*') || t.startsWith('*')) return rewrite(line);
      if (/^(describe|it|test)(\.\w+)*\(/.test(t)) return rewrite(line);
      const at = trailingComment(line);
      return at < 0 ? line : line.slice(0, at) + rewrite(line.slice(at));
    })
    .join('\n');
}

function rewriteHashComments(text) {
  return text
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? rewrite(line) : line))
    .join('\n');
}

function files(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const rel = relative(ROOT, path);
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name) || e.name.startsWith('.')) continue;
      if (rel === 'docs') {
        out.push(join(path, 'engine-decisions.md'));
        continue;
      }
      files(path, out);
    } else if (!SELF.has(rel)) out.push(path);
  }
  return out;
}

const changed = [];
for (const file of files(ROOT)) {
  const rel = relative(ROOT, file);
  let rewriter = null;
  if (/\.(ts|mts|js|mjs|cjs)$/.test(rel)) rewriter = rewriteCode;
  else if (/\.(ya?ml|sh)$/.test(rel)) rewriter = rewriteHashComments;
  else if (rel.endsWith('.md')) rewriter = rewrite;
  if (!rewriter) continue;
  const before = readFileSync(file, 'utf8');
  const totalBefore = [...counts.values()].reduce((a, b) => a + b, 0);
  const after = rewriter(before);
  const n = [...counts.values()].reduce((a, b) => a + b, 0) - totalBefore;
  if (after !== before) {
    changed.push([rel, n]);
    if (!DRY) writeFileSync(file, after);
  }
}

console.log(`${DRY ? 'would rewrite' : 'rewrote'} ${[...counts.values()].reduce((a, b) => a + b, 0)} citations in ${changed.length} files`);
for (const [name, n] of counts) console.log(`  ${String(n).padStart(4)}  ${name}`);
if (DRY) for (const [rel, n] of changed) console.log(`  ${String(n).padStart(4)}  ${rel}`);
