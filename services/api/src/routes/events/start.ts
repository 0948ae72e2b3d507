import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startEvent } from '@jcp/use-cases';
import { officeIdSchema } from '../../views.js';
import { performWrite, writeHeaders } from '../../writes.js';
import { eventSchema, toEventResource } from './schemas.js';
import { writeErrors } from '../../schemas.js';

/** POST /events: start a disruption event. */
const eventStart: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/events',
    {
      schema: {
        summary: 'Start a disruption event (a snowfall, a flood) that groups the offices it affects',
        description:
          "Close the event's offices with one bulk notice (POST /notices with `event`), add offices as it spreads, and end it with one call that reopens them.",
        tags: ['events'],
        security: [{ bearer: [] }],
        headers: writeHeaders,
        body: z
          .object({
            name: z.string().trim().min(1).max(200),
            description: z.string().trim().min(1).max(2000).optional(),
            offices: z.array(officeIdSchema).max(2000).optional().describe('Offices affected so far'),
          })
          .strict()
          .meta({ id: 'NewDisruptionEvent' }),
        response: { 201: eventSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async (ctx) => {
        const detail = await startEvent(ctx, request.body);
        return { statusCode: 201, body: toEventResource(detail), headers: { location: `/events/${detail.event.id}` } };
      }),
  );
};

export default eventStart;
