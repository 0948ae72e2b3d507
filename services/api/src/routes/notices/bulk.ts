import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { postBulkNotice, type BulkTarget } from '@jcp/use-cases';
import { performWrite, writeHeaders } from '../../writes.js';
import { bulkCreatedSchema, bulkNoticeBody } from './schemas.js';
import { writeErrors } from '../../schemas.js';

/** POST /notices: one notice for many offices. */
const bulkNotice: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/notices',
    {
      schema: {
        summary: 'Apply one notice to many offices at once: a list, an account, a district or a disruption event',
        description:
          "All or nothing: an office outside the token's scope, an unknown office or an invalid notice refuses the whole request, and nothing is applied. All 631 offices in one request are fine.",
        tags: ['notices'],
        security: [{ bearer: [] }],
        headers: writeHeaders,
        body: bulkNoticeBody,
        response: { 201: bulkCreatedSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) => {
        const { offices, account, district, event, urgent, ...fields } = request.body;
        // The body's refinement lets exactly one target through.
        const target: BulkTarget = offices
          ? { offices }
          : account !== undefined
            ? { account }
            : district !== undefined
              ? { district }
              : { event: event as string };
        const posted = await postBulkNotice(ctx, { target, fields, urgent });
        return {
          statusCode: 201,
          body: {
            noticeId: posted.noticeId,
            officeIds: posted.officeIds,
            officeCount: posted.officeIds.length,
            changedCount: posted.changedCount,
          },
          headers: { location: `/notices/${posted.noticeId}` },
        };
      }),
  );
};

export default bulkNotice;
