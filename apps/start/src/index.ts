export { provisionEmulatorAccounts, startEmbeddedX } from './embedded-x.js';
