import type { Migration } from 'kysely/migration';
import { migration0001Init } from './0001-init.js';
import { migration0002Operators } from './0002-operators.js';
import { migration0003RunSources } from './0003-run-sources.js';
import { migration0004PhaseLinks } from './0004-phase-links.js';

/** Every migration by name, in order; append-only — never edit a released one, add the next. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_init': migration0001Init,
  '0002_operators': migration0002Operators,
  '0003_run_sources': migration0003RunSources,
  '0004_phase_links': migration0004PhaseLinks,
};

export { migration0001Init } from './0001-init.js';
export { migration0002Operators } from './0002-operators.js';
export { migration0003RunSources } from './0003-run-sources.js';
export { migration0004PhaseLinks } from './0004-phase-links.js';
