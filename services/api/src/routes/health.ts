import { checkReadiness, fail } from '@jcp/use-cases';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { problemSchema } from '../schemas.js';

/** Probes answer anybody, however often: no token even when reads need one, no rate limit. */
const PROBE = { public: true, rateLimit: false } as const;

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
      const ready = await checkReadiness({ db: app.db, migrations: app.migrations });
      if (ready.error !== undefined) app.log.warn({ err: ready.error }, 'readiness check: database unreachable');
      if (ready.database === 'ok' && ready.pendingMigrations.length === 0)
        return reply.send({ status: 'ready', database: app.database.kind });
      throw fail(
        'NOT_READY',
        ready.database === 'ok' ? `${ready.pendingMigrations.length} migration(s) not applied` : 'database unreachable',
        { checks: { database: ready.database, pendingMigrations: ready.pendingMigrations } },
      );
    },
  );
}
