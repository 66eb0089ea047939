import type { PGlite } from '@electric-sql/pglite';
import type { DatabaseHandle } from './create-database.js';
import { MAX_SOCKET_PATH, servePgliteSocket } from './pglite-socket-server.js';

/**
 * Serves the PGlite database of `handle` on the unix socket `path` while the handle is open (other processes then
 * reach it with `live`, see `createDatabase`), and returns the handle whose `close` stops serving first (the socket
 * file goes) and then closes the database. A path too long for a unix socket (a deep state directory) is not
 * served: the directory is then refused to other processes as before.
 */
export async function serveOnSocket(handle: DatabaseHandle, pglite: PGlite, path: string): Promise<DatabaseHandle> {
  if (path.length > MAX_SOCKET_PATH) return handle;
  let server: Awaited<ReturnType<typeof servePgliteSocket>>;
  try {
    server = await servePgliteSocket(pglite, path);
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    ...handle,
    close: () =>
      (closing ??= (async () => {
        try {
          await server.close();
        } finally {
          await handle.close();
        }
      })()),
  };
}
