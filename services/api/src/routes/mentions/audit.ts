// The audit of the bot: every mention it read, what it understood, decided and replied.
import { readMention, readMentionPage } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { decisions, errors, listQuery, mentionId, mentionSchema, pageSchema, security } from './schemas.js';
import { toResource } from './views.js';

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = { db: app.db };

  app.get(
    '/mentions',
    {
      schema: {
        summary:
          'Every mention the bot read, newest first: what it understood, what it decided and what it replied (manager: own accounts)',
        tags: ['mentions'],
        security,
        querystring: z.object({ ...listQuery, decision: z.enum(decisions).optional() }).strict(),
        response: { 200: pageSchema, ...errors },
      },
    },
    async (request) => {
      const { decision, account, ...page } = request.query;
      const result = await readMentionPage(deps, caller(request), { account, decision }, page);
      return { items: result.items.map(toResource), nextCursor: result.nextCursor };
    },
  );

  app.get(
    '/mentions/:mentionId',
    {
      schema: {
        summary: 'One mention: its classification, matched offices, decision and reply',
        tags: ['mentions'],
        security,
        params: z.object({ mentionId }),
        response: { 200: mentionSchema, ...errors, 404: problemSchema },
      },
    },
    async (request) => toResource(await readMention(deps, caller(request), request.params.mentionId)),
  );
};
