import { pendingMigrations } from '@jcp/db';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { PROBLEM_JSON } from '../errors.js';
import { problemSchema } from '../schemas.js';

const READY_TIMEOUT_MS = 2_000;
/** Probes answer anybody, however often: no token even when reads need one, no rate limit. */
const PROBE = { public: true, rateLimit: false } as const;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  // Liveness: the process answers. It never touches the database, so an outage
  // does not get healthy replicas restarted.
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      config: PROBE,
      schema: {
        summary: 'Liveness: the process answers (it never touches the database)',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' }) },
      },
    },
    async (_request, reply) => {
      return reply.header('cache-control', 'no-store').send({ status: 'ok' });
    },
  );

  // Readiness: the database answers and every migration of this release is applied.
  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      config: PROBE,
      schema: {
        summary: 'Readiness: the database answers and every migration is applied',
        description: 'A 503 problem carries `checks`: `database` (`ok` or `unreachable`) and the `pendingMigrations`.',
        tags: ['health'],
        response: {
          200: z
            .object({ status: z.literal('ready'), database: z.enum(['postgres', 'pglite']) })
            .meta({ id: 'Readiness' }),
          503: problemSchema,
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      let database: 'ok' | 'unreachable' = 'ok';
      let pending: string[] = [];
      try {
        await withTimeout(sql`select 1`.execute(app.db), READY_TIMEOUT_MS);
        pending = (await withTimeout(pendingMigrations(app.db, [...app.migrations]), READY_TIMEOUT_MS)).map(
          (m) => m.file,
        );
      } catch (error) {
        app.log.warn({ err: error }, 'readiness check: database unreachable');
        database = 'unreachable';
      }
      if (database === 'ok' && pending.length === 0)
        return reply.send({ status: 'ready', database: app.database.kind });
      return reply
        .code(503)
        .type(PROBLEM_JSON)
        .header('retry-after', '5')
        .send({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: database === 'ok' ? `${pending.length} migration(s) not applied` : 'database unreachable',
          instance: '/readyz',
          checks: { database, pendingMigrations: pending },
        });
    },
  );
}
