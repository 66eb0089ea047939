// Child process for the concurrent-migration test: migrates DATABASE_URL's schema argv[2] and
// prints `{"applied":[…]}` on stdout.
import { createDatabase, migrateToLatest } from '../../persistence/index.js';

const url = process.env['DATABASE_URL'];
const schema = process.argv[2];
if (!url || !schema) {
  process.stderr.write('usage: DATABASE_URL=… migrate-child.ts SCHEMA\n');
  process.exit(2);
}
const handle = await createDatabase({ url, schema });
try {
  const result = await migrateToLatest(handle.db);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await handle.close();
}
