#!/usr/bin/env node
// The `gantry` command: runs the compiled dispatcher dist/cli/main.js (plain JavaScript, no TypeScript loader) and
// exits with its code (docs/design/plan.md: 0 ok, 1 refused, 2 bad input). dist/ is built by `npm run build`, which `npm ci`
// runs in a checkout (`prepare`) and `npm pack` before packing; bin/gantry-dev.js runs the TypeScript sources.
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.js')) throw err;
  process.stderr.write('gantry: dist/ is missing: run `npm run build` in the Gantry checkout (or bin/gantry-dev.js for the sources)\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
