#!/usr/bin/env node
// The `gantry` command from a checkout, with no build step: registers tsx so Node can load the TypeScript sources,
// then runs the dispatcher in cli/main.ts and exits with its code (plan.md: 0 ok, 1 refused, 2 bad input).
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
