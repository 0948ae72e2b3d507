export * from './postcode.js';
export * from './slug.js';
export * from './registry.js';
