/**
 * Keyset pages read one ahead: the next page is asked for as soon as a page arrives, so the database reads it while
 * the caller checks this one. `page(after)` reads the page after the last row of the previous one (null: the
 * first); a page shorter than `pageSize` is the last. A failure of the page asked for ahead is held until that page
 * is awaited (never left unhandled meanwhile); a caller that stops early lets the page in flight settle before its
 * connection or snapshot is released.
 */
export async function* pagesAhead<R>(page: (after: R | null) => Promise<readonly R[]>, pageSize: number): AsyncGenerator<readonly R[]> {
  type Outcome = { readonly rows: readonly R[] } | { readonly error: unknown };
  const fetchPage = (after: R | null): Promise<Outcome> => page(after).then((rows) => ({ rows }), (error: unknown) => ({ error }));
  const rowsOf = (o: Outcome): readonly R[] => {
    if ('error' in o) throw o.error;
    return o.rows;
  };
  let pending: Promise<Outcome> | null = fetchPage(null);
  try {
    while (pending !== null) {
      const rows = rowsOf(await pending);
      pending = rows.length < pageSize ? null : fetchPage(rows[rows.length - 1]!);
      yield rows;
    }
  } finally {
    if (pending !== null) rowsOf(await pending);
  }
}
