import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readNotice } from '@jcp/use-cases';
import { problemSchema } from '../../schemas.js';
import { iso, shownText } from '../../views.js';
import { noticeSchema } from './schemas.js';

/** GET /notices/{noticeId} (public). */
const noticeRead: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/notices/:noticeId',
    {
      schema: {
        summary: 'One notice, its offices and what replaced it',
        tags: ['notices'],
        params: z.object({ noticeId: z.uuid() }),
        response: { 200: noticeSchema, 400: problemSchema, 404: problemSchema, 503: problemSchema },
      },
    },
    async (request) => {
      const { notice: n, urgent, replacedById, officeIds } = await readNotice({ db: app.db }, request.params.noticeId);
      return {
        id: n.id,
        kind: n.kind,
        replacesId: n.replacesId,
        replacedById,
        status: n.status,
        cause: n.cause,
        message: shownText(n.message),
        from: n.activeFrom.toISOString(),
        until: iso(n.activeUntil),
        expectedReopenAt: iso(n.expectedReopenAt),
        reopenCertainty: n.reopenCertainty,
        eventId: n.eventId,
        urgent,
        createdAt: n.createdAt.toISOString(),
        officeIds,
      };
    },
  );
};

export default noticeRead;
