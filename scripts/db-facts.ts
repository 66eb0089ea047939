// `npm run db:facts -- NNNN`: writes migrations/NNNN-machine-facts.ts, a frozen snapshot of the machines' database
// constraint facts for a new migration to build its CHECKs and triggers from (docs/adr/0011); `-- --print` only prints.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFrozenFacts } from './db-facts-render.js';

const migration = process.argv.slice(2).find((a) => /^\d{4}$/.test(a));
if (!migration) {
  console.error('usage: npm run db:facts -- NNNN [--print]   (NNNN: the number of the new migration)');
  process.exit(2);
}
const text = renderFrozenFacts(migration, `MACHINE_FACTS_${migration}`);
if (process.argv.includes('--print')) {
  process.stdout.write(text);
} else {
  const target = join(import.meta.dirname, '..', 'migrations', `${migration}-machine-facts.ts`);
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
