// An in-memory emulator of the parts of the X API v2 the fan-out uses, with OAuth 1.0a
// verification, rate limits, duplicate detection and faults on demand.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerControl } from './control.js';
import { registerGate } from './gate.js';
import type { EmulatorOptions } from './model.js';
import { registerPosting } from './posting.js';
import { registerReads } from './reading.js';
import { EmulatorStore } from './store.js';

export { defaultRateLimits, type EndpointKey, type RateRule } from './rate-limits.js';
export {
  REPLY_SETTINGS,
  type EmulatorOptions,
  type Account,
  type Tweet,
  type ReplySettings,
  type Fault,
  type FaultKind,
} from './model.js';

export function buildEmulator(options: EmulatorOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const store = new EmulatorStore(options);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  registerGate(app, store);
  registerPosting(app, store);
  registerReads(app, store);
  registerControl(app, store);
  return app;
}
