import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changesPage } from '@jcp/use-cases';
import { problemSchema } from '../../schemas.js';
import { changeSchema, officeIdSchema, toChangeResource } from '../../views.js';
import { conditionalHeaders, cursorSchema, notModified, sendCached } from './http.js';

/** GET /changes: the change feed. */
const changes: FastifyPluginAsyncZod = async (app) => {
  // Answered before routing while cached (cached-reads.ts); dropped at every change.
  const route = app.cachedReads.serve({
    route: '/changes',
    path: '/changes',
    key: (rest) => (rest === '' || rest.startsWith('?') ? `changes${rest}` : undefined),
  });
  app.get(
    '/changes',
    {
      schema: {
        summary: 'The change feed: every status change of every office, in order',
        description:
          'Changes are numbered in commit order, so a client that stores the last `cursor` it processed and asks for `after=<cursor>` misses and repeats nothing, even while several managers write at once. Start from GET /statuses and its cursor, or from `after=0` for the whole history. Scheduled starts, expiries and reopening times that pass (stale) appear here like manual changes, recorded by the scheduler within its interval.',
        tags: ['offices'],
        querystring: z.object({
          after: cursorSchema.default('0').describe('The last cursor already processed (0: from the start)'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          office: officeIdSchema.optional().describe("Only this office's changes"),
        }),
        headers: conditionalHeaders,
        response: {
          200: z
            .object({
              changes: z.array(changeSchema),
              cursor: z.string().describe('Pass as `after` next time'),
              hasMore: z.boolean(),
            })
            .meta({ id: 'ChangePage' }),
          304: notModified,
          400: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { after, limit, office } = request.query;
      return sendCached(request, reply, route.keyOf(request.url), async () => {
        const page = await changesPage({ db: app.db }, after, limit, office);
        return {
          body: { changes: page.changes.map(toChangeResource), cursor: page.cursor, hasMore: page.hasMore },
          expiresAt: null,
        };
      });
    },
  );
};

export default changes;
