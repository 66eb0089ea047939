export * from './errors.js';
export * from './output-capture.js';
export * from './kill-process-group.js';
export * from './run-process.js';
export * from './effective-exit-code.js';
export * from './program-not-found.js';
