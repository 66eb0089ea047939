/** User + system CPU of every process named postgres on this host, µs, by pid. */
export function postgresCpu(): Map<string, number>;
/** PostgreSQL's CPU since `before`, µs; null when nothing could be read. */
export function postgresCpuSince(before: ReadonlyMap<string, number>): number | null;
