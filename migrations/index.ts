import type { Migration } from 'kysely/migration';
import { migration0001Init } from './0001-init.js';

/** Every migration by name, in order; append-only — never edit a released one, add the next. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_init': migration0001Init,
};

export { migration0001Init } from './0001-init.js';
