export { runService, type EmbeddedX, type ServiceOptions } from './run.js';
