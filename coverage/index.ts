export * from './coverage-report.js';
export * from './path-models.js';
export * from './generate-paths.js';
export * from './compute-coverage.js';
