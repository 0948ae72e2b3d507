export { buildApp, type AppOptions, type PrivacyOptions, type RouteEntry } from './app.js';
export type { FanoutApiOptions, AccountTokensInput } from './routes/accounts/index.js';
export {
  CRC_RATE_LIMIT,
  CRC_TOKEN_PATTERN,
  isCrcToken,
  isJsonObjectText,
  xWebhookSignature,
  type MentionWebhookOptions,
} from './routes/webhooks.js';
export { openDatabase, prepareDatabase } from './boot.js';
export { PROBLEM_JSON, toProblem, type ProblemDocument } from './errors.js';
// A use case, re-exported for callers that take it from the API (tests/fanout/credentials.test.ts).
export { rotateCredentials, type RotationReport } from '@jcp/use-cases';
export { acceptsGzip, gzipETag } from './representation-encoding.js';
export { RepresentationCache, type Representation } from './representation-cache.js';
