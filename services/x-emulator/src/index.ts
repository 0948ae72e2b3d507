export {
  buildEmulator,
  defaultRateLimits,
  type EmulatorOptions,
  type EndpointKey,
  type RateRule,
  type Account,
  type Tweet,
  type Fault,
  type FaultKind,
} from './app.js';
export { percentEncode, signatureBaseString, hmacSha1Signature } from './oauth1.js';
