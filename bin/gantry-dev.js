#!/usr/bin/env node
// `gantry` from the TypeScript sources, for development and the tests: registers tsx so Node can load the sources,
// then runs the dispatcher in cli/main.ts and exits with its code (docs/design/plan.md: 0 ok, 1 refused, 2 bad input). Not part
// of the package: the installed `gantry` is bin/gantry.js, which runs the compiled dist/ with no loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
