import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addOfficesToEvent } from '@jcp/use-cases';
import { officeIdSchema } from '../../views.js';
import { performWrite, writeHeaders } from '../../writes.js';
import { eventSchema, toEventResource } from './schemas.js';
import { writeErrors } from '../../schemas.js';

/** POST /events/{eventId}/offices: add offices to an event as it spreads. */
const eventOffices: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/events/:eventId/offices',
    {
      schema: {
        summary: 'Add offices to a disruption event as it spreads (offices already in it are left as they are)',
        description:
          "Adding an office does not change its status: post a notice for that. A manager needs scope over the event's owners and over the offices added.",
        tags: ['events'],
        security: [{ bearer: [] }],
        params: z.object({ eventId: z.uuid() }),
        headers: writeHeaders,
        body: z
          .object({ offices: z.array(officeIdSchema).min(1).max(2000) })
          .strict()
          .meta({ id: 'EventOfficesToAdd' }),
        response: { 200: eventSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) => {
        const detail = await addOfficesToEvent(ctx, { eventId: request.params.eventId, offices: request.body.offices });
        return { statusCode: 200, body: toEventResource(detail) };
      }),
  );
};

export default eventOffices;
