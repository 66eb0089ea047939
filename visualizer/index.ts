export * from './machine-chart.js';
export * from './machine-mermaid.js';
export * from './machine-svg.js';
export * from './inspect-errors.js';
export * from './inspect-queries.js';
export * from './entity-history.js';
export * from './machine-views.js';
export * from './inspect-server.js';
