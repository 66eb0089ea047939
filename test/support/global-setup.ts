import type { TestProject } from 'vitest/node';
import { buildTestCli } from './cli-build.js';
import { buildPgliteTemplate } from './pglite-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the migrated PGlite template dump; test files load a private copy from it. */
    pgliteTemplate: string;
    /** Path of the compiled CLI (`bin/gantry.js` of the tests' private build) that CLI tests spawn. */
    gantryCli: string;
  }
}

/** Vitest global setup: builds (or reuses) the migrated PGlite template and the compiled CLI once per test run. */
export default async function setup(project: TestProject): Promise<void> {
  const [template, cli] = await Promise.all([buildPgliteTemplate(), buildTestCli()]);
  project.provide('pgliteTemplate', template);
  project.provide('gantryCli', cli);
}
