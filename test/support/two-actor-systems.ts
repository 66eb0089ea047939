import { afterAll, beforeAll } from 'vitest';
import { PersistedActors } from '../../actors/index.js';
import { openTestDatabase, type TestDatabase, type TestDatabaseKind } from './test-database.js';

/** A test file's database and two actor systems on it, each with its own cache: two processes of one deployment. */
export interface TwoActorSystems {
  /** The file's database; valid inside tests. */
  readonly tdb: TestDatabase;
  /** One process's actors; valid inside tests. */
  readonly a: PersistedActors;
  /** The other process's actors; valid inside tests. */
  readonly b: PersistedActors;
}

/**
 * Registers the hooks of a test file about caches that fall behind another process: its database opened before the
 * tests, two `PersistedActors` on it, all closed after.
 */
export function twoActorSystems(kind: TestDatabaseKind): TwoActorSystems {
  let tdb: TestDatabase | null = null;
  let a: PersistedActors | null = null;
  let b: PersistedActors | null = null;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    a = new PersistedActors({ db: tdb.db });
    b = new PersistedActors({ db: tdb.db });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await tdb?.close();
  });
  return {
    get tdb() {
      return tdb!;
    },
    get a() {
      return a!;
    },
    get b() {
      return b!;
    },
  };
}
