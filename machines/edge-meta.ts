/** How an edge is justified: an SSOT edge, one of the extension edges of docs/design/machines.md, or an in-state update that is not an edge. */
export type EdgeTag = 'SSOT' | ExtensionTag | 'internal';

/** The extension edges of docs/design/machines.md. */
export type ExtensionTag = 'EXT-1' | 'EXT-2' | 'EXT-3' | 'EXT-4' | 'EXT-5' | 'EXT-6' | 'EXT-7' | 'EXT-8' | 'EXT-9';

/** Metadata every transition of every machine carries in its `meta`. */
export interface EdgeMeta {
  readonly edge: EdgeTag;
  /** The SSOT section (or resolution) the transition comes from, e.g. `§1.4.3`. */
  readonly section: string;
}

/** Tags a transition as an edge of the SSOT. */
export function ssot(section: string): EdgeMeta {
  return { edge: 'SSOT', section };
}

/** Tags a transition as one of the extension edges (docs/design/machines.md "Resolutions of gaps"). */
export function ext(id: ExtensionTag, section: string): EdgeMeta {
  return { edge: id, section };
}

/** Tags a targetless transition that only updates context (heartbeats, counters): not an edge. */
export function internal(section: string): EdgeMeta {
  return { edge: 'internal', section };
}
