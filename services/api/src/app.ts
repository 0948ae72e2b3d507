import type { Database, MentionRetention, MigrationFile } from '@jcp/db';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { CachedReads } from './cached-reads.js';
import { installProblemHandlers, sendProblem, toProblem } from './errors.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import { DEFAULT_SLOW_REQUEST_MS, logSlowCachedRead, RequestLog } from './request-log.js';
import { declareProblemResponses, documentStandardErrors } from './openapi.js';
import databasePlugin from './plugins/database.js';
import healthRoutes from './routes/health.js';
import inputTextPlugin from './plugins/input-text.js';
import authPlugin from './plugins/auth.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin, { type RateLimitSettings } from './plugins/rate-limit.js';
import readAccessPlugin, { type ReadAccess } from './plugins/read-access.js';
import { applySecurityHeaders, installSecurityHeaders } from './security.js';
import tokenRoutes from './routes/tokens.js';
import eventRoutes from './routes/events/index.js';
import noticeRoutes from './routes/notices/index.js';
import schedulerPlugin, { type SchedulerOptions } from './plugins/scheduler.js';
import statusEventsPlugin from './plugins/status-events.js';
import officeRoutes from './routes/offices/index.js';
import accountRoutes, { type FanoutApiOptions } from './routes/accounts/index.js';
import webhookRoutes, { type MentionWebhookOptions } from './routes/webhooks.js';
import mentionRoutes from './routes/mentions/index.js';

export const API_VERSION = '0.3.0';
export const DOCS_PREFIX = '/docs';

/** A route as registered: one method (auto-generated HEAD routes included) and its URL pattern. */
export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app, in registration order (tests enumerate them, so a new route is covered at once). */
    routeTable: readonly RouteEntry[];
    /** Cached reads answered before routing (cached-reads.ts); read routes declare themselves to it. */
    cachedReads: CachedReads;
  }
}

export interface AppOptions {
  database: Database;
  migrations: readonly MigrationFile[];
  closeDatabaseOnShutdown?: boolean;
  /** Keep rendered reads until a status change is notified (default true). */
  cache?: boolean;
  /** The node-cron jobs (default: not scheduled; `app.jobs` runs them by hand). */
  scheduler?: SchedulerOptions;
  logger?: FastifyServerOptions['loggerInstance'] | false;
  /** At `info`, a successful request is logged only when it took this long (default 1,000 ms; request-log.ts). */
  slowRequestMs?: number;
  /** `token`: every read route needs a reader token (default `public`). */
  readAccess?: ReadAccess;
  /** Per caller and window; unset or `max: 0`: no rate limit (server.ts passes the configured one). */
  rateLimit?: RateLimitSettings;
  /**
   * The fan-out to X: the key that encrypts the accounts' tokens, X to verify them, and the
   * budgets the delivery health reports (default X's: 100 per 15 min per user, 10,000 per
   * 24 h per app). Unset: storing credentials answers 503; every other route works.
   */
  fanout?: FanoutApiOptions;
  /**
   * The X Activity API webhook (GET/POST /webhooks/x): the X app secret that signs its CRC
   * answers and X's deliveries, and the mention policy. Unset: the routes exist (so the
   * document does not depend on configuration) but answer 503 problem+json.
   */
  mentions?: MentionWebhookOptions;
  /** Citizens' data: required with `mentions`. */
  privacy?: PrivacyOptions;
}

export interface PrivacyOptions {
  /** OPT_OUT_HASH_KEY (32 bytes): who said stop is kept as an HMAC-SHA256 of their X id under it. */
  optOutKey: Buffer;
  /** How long mentions and replies are kept (default 30 days; open inbox items 90). */
  retention?: MentionRetention;
}

/** Builds the HTTP app; `server.ts` listens, tests use `app.inject`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const cachedReads = new CachedReads();
  const app = Fastify({
    ...(options.logger
      ? {
          loggerInstance: options.logger,
          childLoggerFactory: lazyChildLoggerFactory,
          logController: new RequestLog(options.slowRequestMs),
        }
      : { logger: false }),
    bodyLimit: 1_048_576,
    requestIdHeader: 'x-request-id',
    trustProxy: false,
    return503OnClosing: true,
    serverFactory: cachedReads.serverFactory,
    // Office ids are at most 128 characters; longer path parameters get a 414.
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any route (bad URL encoding, too long a
    // parameter) get the same problem+json as every other error.
    frameworkErrors: (error, request, reply) => {
      applySecurityHeaders(reply.raw);
      void sendProblem(reply, toProblem(error, request));
    },
  }) as unknown as FastifyInstance;
  installProblemHandlers(app);
  app.decorate('cachedReads', cachedReads);
  // Before any route: the hook sees every route of every plugin, present or future.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method])
      routeTable.push({ method: method.toUpperCase(), url: route.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Security headers on every response, errors and 404s included.
  installSecurityHeaders(app, DOCS_PREFIX);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'jcp-status',
        version: API_VERSION,
        description:
          'Open, closed or delayed: the status of every Jobcentre Plus office in Great Britain. Errors are application/problem+json (RFC 9457). ' +
          'No text a caller sends (names, messages, descriptions, reasons, notes, searches) may contain a control or format character (Unicode Cc or Cf: line breaks, tabs, bidirectional controls, zero-width characters, U+FEFF, soft hyphens, tag characters) or U+2028/U+2029: the answer is a 400 invalid-text problem naming the field and the character.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: [
        { name: 'offices', description: 'Offices and their current status' },
        { name: 'notices', description: 'Closures, delays and reopenings posted by area managers' },
        { name: 'events', description: 'Disruption events: many offices closed and reopened together' },
        { name: 'admin', description: 'API tokens: issue, list and revoke (admin role)' },
        {
          name: 'accounts',
          description:
            'X accounts: settings, credentials (admin), the posts the fan-out made of status changes, and delivery health',
        },
        {
          name: 'mentions',
          description:
            'Mentions of the accounts: the audit of every automatic decision and reply, and the inbox for the live team (managers: own accounts)',
        },
        {
          name: 'health',
          description: 'Probes for orchestrators: liveness and readiness (never rate limited, never need a token)',
        },
        {
          name: 'webhooks',
          description:
            'X Activity API webhook: mentions of our accounts, signed by X (no token; deliveries are not rate limited, the CRC challenge is, per address)',
        },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (pnpm create-token)' },
        },
      },
    },
    transform: (input) => jsonSchemaTransform(documentStandardErrors(input)),
    // Errors are application/problem+json on the wire, so in the document too.
    transformObject: (input) => declareProblemResponses(jsonSchemaTransformObject(input)),
  });
  // Infrastructure first, then routes.
  await app.register(databasePlugin, {
    database: options.database,
    migrations: options.migrations,
    closeOnShutdown: options.closeDatabaseOnShutdown ?? false,
  });
  await app.register(authPlugin);
  // Text PostgreSQL cannot store is refused with a 400 before any handler sees it.
  await app.register(inputTextPlugin);
  await app.register(statusEventsPlugin, { cache: options.cache ?? true });
  await app.register(schedulerPlugin, {
    ...options.scheduler,
    ...(options.privacy ? { privacy: options.privacy } : {}),
  });
  // These three act on the routes declared after them (onRoute hooks).
  await app.register(rateLimitPlugin, options.rateLimit ?? { max: 0, windowMs: 60_000 });
  await app.register(readAccessPlugin, { readAccess: options.readAccess ?? 'public', publicPrefixes: [DOCS_PREFIX] });
  await app.register(metricsPlugin);
  // The docs UI and the document it shows (/docs/json); its routes are hidden from the document.
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
  await app.register(healthRoutes);
  await app.register(officeRoutes);
  await app.register(noticeRoutes);
  await app.register(eventRoutes);
  await app.register(tokenRoutes);
  await app.register(accountRoutes, { fanout: options.fanout });
  await app.register(webhookRoutes, { mentions: options.mentions, optOutKey: options.privacy?.optOutKey });
  await app.register(mentionRoutes);
  // Cached reads are answered before routing once everything above is ready, unless every
  // request must go through Fastify: reads need a token, or every request is logged (debug).
  app.addHook('onReady', (done) => {
    if (app.readsArePublic && !['debug', 'trace'].includes(app.log.level))
      cachedReads.start({
        representations: app.representations,
        admit: app.admitByAddress,
        observe: (method, route, statusCode, seconds) => app.requestMetrics.observe(method, route, statusCode, seconds),
        slowMs: options.slowRequestMs ?? DEFAULT_SLOW_REQUEST_MS,
        logSlow: (request, ms) => logSlowCachedRead(app.log, request, ms),
      });
    done();
  });
  app.addHook('preClose', (done) => {
    cachedReads.stop();
    done();
  });
  return app;
}
