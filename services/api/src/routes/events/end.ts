import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { endEvent } from '@jcp/use-cases';
import { urgentField } from '../notices/schemas.js';
import { officeIdSchema } from '../../views.js';
import { performWrite, writeHeaders } from '../../writes.js';
import { eventSchema, toEventResource } from './schemas.js';
import { writeErrors } from '../../schemas.js';

/** POST /events/{eventId}/end: end an event, reopening what it closed. */
const eventEnd: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/events/:eventId/end',
    {
      schema: {
        summary: 'End a disruption event: one call reopens every office the event closed or delayed',
        description:
          "Offices whose notice in force belongs to this event are reopened by one open notice, and the event's notices that have not started yet are cancelled. An office closed since for another reason (a later notice outside the event) is left as it is and listed in `leftAsIs`. A manager needs scope over the event's owners and every office of the event in scope.",
        tags: ['events'],
        security: [{ bearer: [] }],
        params: z.object({ eventId: z.uuid() }),
        headers: writeHeaders,
        body: z
          .object({
            message: z.string().trim().min(1).max(1000).optional().describe('Shown with the reopening'),
            urgent: urgentField
              .optional()
              .describe(
                "Post the reopening to X outside the accounts' posting windows, where the account allows it (default false)",
              ),
          })
          .strict()
          .nullish(),
        response: {
          200: z
            .object({
              event: eventSchema,
              reopenNoticeId: z.uuid().nullable(),
              reopened: z.array(officeIdSchema),
              leftAsIs: z.array(officeIdSchema).describe('Offices whose status comes from a notice outside the event'),
              cancelledScheduledNoticeIds: z
                .array(z.uuid())
                .describe(
                  'Notices of the event that had not started yet, cancelled so that they do not close offices after the event',
                ),
            })
            .meta({ id: 'DisruptionEventEnded' }),
          ...writeErrors,
        },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) => {
        const ended = await endEvent(ctx, {
          eventId: request.params.eventId,
          message: request.body?.message,
          urgent: request.body?.urgent,
        });
        return { statusCode: 200, body: { ...ended, event: toEventResource(ended.event) } };
      }),
  );
};

export default eventEnd;
