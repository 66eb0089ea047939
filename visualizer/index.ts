export * from './machine-chart.js';
export * from './machine-mermaid.js';
export * from './machine-svg.js';
