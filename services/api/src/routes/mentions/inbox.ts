// The live team's inbox: mentions a person should answer, and marking them handled or open again.
import { changeInboxState, readMentionPage } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { performWrite, writeHeaders } from '../../writes.js';
import { errors, listQuery, mentionId, mentionSchema, pageSchema, security } from './schemas.js';
import { toResource } from './views.js';

const noteBody = z
  .object({ note: z.string().trim().min(1).max(1000).optional().describe('What was done (no personal data)') })
  .strict()
  .nullish();

export const inboxRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/inbox',
    {
      schema: {
        summary:
          'Mentions a person should answer (benefit queries, complaints, questions the bot did not answer), newest first',
        tags: ['mentions'],
        security,
        querystring: z.object({ ...listQuery, state: z.enum(['open', 'handled', 'all']).default('open') }).strict(),
        response: { 200: pageSchema, ...errors },
      },
    },
    async (request) => {
      const { state, account, ...page } = request.query;
      const filter = { account, inboxOnly: true, ...(state === 'all' ? {} : { inboxState: state }) };
      const result = await readMentionPage({ db: app.db }, caller(request), filter, page);
      return { items: result.items.map(toResource), nextCursor: result.nextCursor };
    },
  );

  for (const [action, state] of [
    ['handled', 'handled'],
    ['reopen', 'open'],
  ] as const) {
    app.post(
      `/inbox/:mentionId/${action}`,
      {
        schema: {
          summary:
            action === 'handled' ? 'Mark an inbox mention handled' : 'Put a handled mention back in the open inbox',
          tags: ['mentions'],
          security,
          params: z.object({ mentionId }),
          headers: writeHeaders,
          body: noteBody,
          response: { 200: mentionSchema, ...errors, 404: problemSchema, 409: problemSchema, 422: problemSchema },
        },
      },
      async (request, reply) =>
        changeInboxState(
          {
            db: app.db,
            write: (change) =>
              performWrite(app, request, reply, async ({ trx }) => ({
                statusCode: 200,
                body: toResource(await change(trx)),
              })),
          },
          caller(request),
          request.params.mentionId,
          state,
          request.body?.note ?? null,
        ),
    );
  }
};
