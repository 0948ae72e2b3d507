import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { postOfficeNotice } from '@jcp/use-cases';
import { problemSchema, writeErrors } from '../../schemas.js';
import { officeETag, officeIdSchema, toStatusResource } from '../../views.js';
import { performWrite, singleOfficeWriteHeaders } from '../../writes.js';
import { createdSchema, singleNoticeBody } from './schemas.js';

/** POST /offices/{officeId}/notices: set the status of one office. */
const officeNotice: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/offices/:officeId/notices',
    {
      schema: {
        summary: 'Set the status of one office (a manager of its district or account, or an admin)',
        description:
          "Send If-Match with the office's ETag to be refused (412) rather than overwrite a change somebody else made since you looked. The answer carries the office's new ETag.",
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ officeId: officeIdSchema }),
        headers: singleOfficeWriteHeaders,
        body: singleNoticeBody,
        response: { 201: createdSchema, ...writeErrors, 412: problemSchema },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) => {
        const { eventId, urgent, ...fields } = request.body;
        const posted = await postOfficeNotice(
          ctx,
          { officeETag },
          {
            officeId: request.params.officeId,
            fields,
            urgent,
            eventId,
            ifMatch: request.headers['if-match'],
          },
        );
        return {
          statusCode: 201,
          body: {
            noticeId: posted.noticeId,
            officeId: posted.officeId,
            currentStatus: toStatusResource(posted.status),
          },
          headers: { location: `/offices/${posted.officeId}`, etag: posted.etag },
        };
      }),
  );
};

export default officeNotice;
