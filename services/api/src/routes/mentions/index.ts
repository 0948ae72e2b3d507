// The audit of the bot (every mention: what it understood, what it decided, what it
// replied) and the live team's inbox (everything a person should answer). Mentions are
// citizens' words, already redacted of personal data: managers see their own accounts'
// mentions, admins all; readers none.
import type { FastifyPluginAsync } from 'fastify';
import { scope } from '../../plugins/auth.js';
import { auditRoutes } from './audit.js';
import { inboxRoutes } from './inbox.js';
import { ingestRoutes } from './ingest.js';

const mentionRoutes: FastifyPluginAsync = async (app) => {
  // Citizens' words and the live team's notes: for the caller alone, never for a cache.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store').header('vary', 'authorization');
  });
  await app.register(
    scope('manager', async (manager) => {
      await manager.register(auditRoutes);
      await manager.register(ingestRoutes);
      await manager.register(inboxRoutes);
    }),
  );
};

export default mentionRoutes;
