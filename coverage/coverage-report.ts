import type { EntityType } from '../machines/index.js';

/** Generated path coverage of one machine (docs/design/engine.md §7.3). */
export interface MachineCoverage {
  readonly entityType: EntityType;
  /** States reached by generated shortest paths. */
  readonly states: { readonly total: number; readonly reached: readonly string[]; readonly unreached: readonly string[] };
  /** SSOT edges (distinct from→to) taken by some generated path; `untaken` as `from->to`. */
  readonly ssotEdges: { readonly total: number; readonly taken: number; readonly untaken: readonly string[] };
  /** Extension edges (EXT-1…EXT-5) taken by some generated path; `untaken` as `from->to`. */
  readonly extEdges: { readonly total: number; readonly taken: number; readonly untaken: readonly string[] };
  /** (state, event) pairs the spec does not allow; `accepted` lists any that were not rejected, as `state/event`. */
  readonly invalidPairs: { readonly total: number; readonly rejected: number; readonly accepted: readonly string[] };
  /** Number of generated paths. */
  readonly paths: number;
  /** True when every state is reached, every edge taken and every invalid pair rejected. */
  readonly complete: boolean;
}

/** Coverage of the eight machines. */
export interface CoverageReport {
  readonly machines: readonly MachineCoverage[];
  readonly complete: boolean;
}
