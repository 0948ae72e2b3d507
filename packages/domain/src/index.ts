export * from './postcode.js';
export * from './slug.js';
export * from './registry.js';
export * from './london-time.js';
export * from './status.js';
export * from './compose.js';
