import { checkCapabilities } from './check-capabilities.js';
import { checkCycles } from './check-cycles.js';
import { checkIds } from './check-ids.js';
import { checkReferences } from './check-references.js';
import { checkTools } from './check-tools.js';
import { PlanFileIndex } from './plan-file-index.js';
import type { PlanFile } from './plan-file-schema.js';
import type { RawPlanIssue } from './zod-plan-issues.js';

/** What the semantic checks found: errors make the plan invalid, warnings do not. */
export interface PlanFileFindings {
  readonly errors: readonly RawPlanIssue[];
  readonly warnings: readonly RawPlanIssue[];
}

/**
 * The semantic checks of docs/design/plan.md on a plan that passed `planFileSchema`, all of them, every problem collected:
 * duplicate and derived ids (`checkIds`), references, skipped dependencies, gate closure and backoff bounds
 * (`checkReferences`), dependency cycles (`checkCycles`), that some pool can run every task (`checkCapabilities`), and
 * tool profiles and prompts (`checkTools`; a `prompt_file` is looked up under `repository`, the repository's absolute
 * path, when given).
 */
export function validatePlanFile(file: PlanFile, repository: string | null = null): PlanFileFindings {
  const ix = new PlanFileIndex(file);
  checkIds(ix);
  checkReferences(ix);
  checkCycles(ix);
  checkCapabilities(ix);
  checkTools(ix, repository);
  return { errors: ix.errors, warnings: ix.warnings };
}
