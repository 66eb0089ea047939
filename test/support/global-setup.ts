import type { TestProject } from 'vitest/node';
import { buildPgliteTemplate } from './pglite-template.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the migrated PGlite template dump; test files load a private copy from it. */
    pgliteTemplate: string;
  }
}

/** Vitest global setup: builds (or reuses) the migrated PGlite template once per test run. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('pgliteTemplate', await buildPgliteTemplate());
}
