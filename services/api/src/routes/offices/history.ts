import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { officeHistoryPage } from '@jcp/use-cases';
import { problemSchema } from '../../schemas.js';
import { changeSchema, officeIdSchema, toChangeResource } from '../../views.js';
import { OFFICE_ID_IN_PATH, conditionalHeaders, cursorSchema, notModified, sendCached } from './http.js';

/** GET /offices/{officeId}/history: one office's changes, newest first. */
const officeHistory: FastifyPluginAsyncZod = async (app) => {
  // Answered before routing while cached (cached-reads.ts); dropped when the office changes.
  const route = app.cachedReads.serve({
    route: '/offices/:officeId/history',
    path: '/offices/',
    key: (rest) => {
      const at = rest.indexOf('/history');
      const id = rest.slice(0, at);
      const after = rest.slice(at + '/history'.length);
      return at > 0 && OFFICE_ID_IN_PATH.test(id) && (after === '' || after.startsWith('?'))
        ? `office:${id}/history${after}`
        : undefined;
    },
  });
  app.get(
    '/offices/:officeId/history',
    {
      schema: {
        summary: "How one office's status changed, newest first",
        tags: ['offices'],
        params: z.object({ officeId: officeIdSchema }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: cursorSchema.optional().describe('Continue from a previous page: its `next`'),
        }),
        headers: conditionalHeaders,
        response: {
          200: z
            .object({
              officeId: officeIdSchema,
              changes: z.array(changeSchema),
              next: z.string().nullable().describe('Pass as `before` for older changes; null at the start'),
            })
            .meta({ id: 'OfficeHistory' }),
          304: notModified,
          400: problemSchema,
          404: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { officeId } = request.params;
      const { limit, before } = request.query;
      return sendCached(request, reply, route.keyOf(request.url), async () => {
        const page = await officeHistoryPage({ db: app.db }, officeId, limit, before);
        return {
          body: { officeId, changes: page.changes.map(toChangeResource), next: page.next },
          expiresAt: null,
        };
      });
    },
  );
};

export default officeHistory;
