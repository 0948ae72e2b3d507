import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelNotice, correctNotice, type NoticeReplaced } from '@jcp/use-cases';
import { performWrite, writeHeaders, type WriteAnswer } from '../../writes.js';
import { noticeFields, urgentField } from './schemas.js';
import { writeErrors } from '../../schemas.js';
import { officeIdSchema } from '../../views.js';

function replacedAnswer(replaced: NoticeReplaced): WriteAnswer {
  return { statusCode: 201, body: replaced, headers: { location: `/notices/${replaced.noticeId}` } };
}

/** POST /notices/{noticeId}/correction and /cancellation. */
const noticeReplacement: FastifyPluginAsyncZod = async (app) => {
  // Created when the routes are, as before the split (the OpenAPI document lists components in creation order).
  const replacedSchema = z
    .object({
      noticeId: z.uuid(),
      replacesId: z.uuid(),
      kind: z.enum(['correction', 'cancellation']),
      officeIds: z.array(officeIdSchema),
      changedCount: z.number().int(),
    })
    .meta({ id: 'NoticeReplaced' });

  app.post(
    '/notices/:noticeId/correction',
    {
      schema: {
        summary: 'Correct a notice: new content in its place, for the same offices',
        description:
          "The correction stands where the original stood (it does not supersede notices made after the original). `from` defaults to the original's. A notice can be replaced once; correct the correction to change it again.",
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ noticeId: z.uuid() }),
        headers: writeHeaders,
        body: z
          .object({
            ...noticeFields,
            urgent: urgentField
              .optional()
              .describe(
                "Post to X outside the accounts' posting windows, where the account allows it. Default: the original's",
              ),
          })
          .strict()
          .meta({ id: 'NoticeCorrection' }),
        response: { 201: replacedSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) => {
        const { urgent, ...fields } = request.body;
        return replacedAnswer(await correctNotice(ctx, { noticeId: request.params.noticeId, fields, urgent }));
      }),
  );

  app.post(
    '/notices/:noticeId/cancellation',
    {
      schema: {
        summary: 'Cancel a notice posted in error: it no longer counts, as if never made',
        description:
          'To reopen an office after a real closure, post an open notice instead: that keeps the closure in the history.',
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ noticeId: z.uuid() }),
        headers: writeHeaders,
        body: z.object({}).strict().nullish().describe('No body, or an empty object'),
        response: { 201: replacedSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) =>
        replacedAnswer(await cancelNotice(ctx, { noticeId: request.params.noticeId })),
      ),
  );
};

export default noticeReplacement;
