// The plan file (docs/design/plan.md, a contract): its zod schema, loading and validation with located errors, the normalized
// `Plan`, dependency orders, and the glob matching of patch rules. Imports machines/ only.
export * from './errors.js';
export * from './plan.js';
export * from './plan-file-schema.js';
export * from './read-plan-document.js';
export * from './parse-plan.js';
export * from './load-plan.js';
export * from './recorded-plan.js';
export * from './dependency-graph.js';
export * from './plan-graphs.js';
export * from './plan-order.js';
export * from './path-matcher.js';
export * from './phase-policy.js';
export * from './plan-limits.js';
