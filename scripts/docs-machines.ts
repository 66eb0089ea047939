// `npm run docs:machines`: writes docs/machines.md from the machine catalog; `-- --check` only compares (exit 1 when
// the committed file differs from what the machines generate).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMachineReference } from './machine-reference.js';

const target = join(import.meta.dirname, '..', 'docs', 'machines.md');
const text = renderMachineReference();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is a difference like any other.
  }
  if (current !== text) {
    console.error('docs/machines.md is out of date: run `npm run docs:machines`');
    process.exit(1);
  }
  console.log('docs/machines.md is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote docs/machines.md (${text.split('\n').length} lines)`);
}
