// How mention reading is going.
import { readMentionIngest } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { iso } from '../../views.js';
import { errors, ingestSchema, security } from './schemas.js';

export const ingestRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/mention-ingest',
    {
      schema: {
        summary: 'How mention reading is going: who reads, when last and next, and the last error',
        tags: ['mentions'],
        security,
        response: { 200: ingestSchema, ...errors },
      },
    },
    async () => {
      const s = await readMentionIngest({ db: app.db });
      return {
        holder: s.holder,
        heldSince: iso(s.heldSince),
        lastPollAt: iso(s.lastPollAt),
        lastSuccessAt: iso(s.lastSuccessAt),
        nextPollAt: iso(s.nextPollAt),
        blockedUntil: iso(s.blockedUntil),
        intervalSeconds: s.intervalSeconds,
        lastError: s.lastError,
        consecutiveFailures: s.consecutiveFailures,
      };
    },
  );
};
