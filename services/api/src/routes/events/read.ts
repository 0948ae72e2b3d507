import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readEvent, readEvents } from '@jcp/use-cases';
import { problemSchema } from '../../schemas.js';
import { eventSchema, eventSummarySchema, toEventResource, toEventSummary } from './schemas.js';

/** GET /events and GET /events/{eventId} (public). */
const eventReads: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/events',
    {
      schema: {
        summary: 'Disruption events, newest first',
        tags: ['events'],
        querystring: z.object({ state: z.enum(['active', 'ended', 'all']).default('active') }),
        response: {
          200: z.object({ events: z.array(eventSummarySchema) }).meta({ id: 'DisruptionEventList' }),
          400: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request) => ({
      events: (await readEvents({ db: app.db }, request.query.state)).map(toEventSummary),
    }),
  );

  app.get(
    '/events/:eventId',
    {
      schema: {
        summary: 'One disruption event and its offices',
        tags: ['events'],
        params: z.object({ eventId: z.uuid() }),
        response: { 200: eventSchema, 400: problemSchema, 404: problemSchema, 503: problemSchema },
      },
    },
    async (request) => toEventResource(await readEvent({ db: app.db }, request.params.eventId)),
  );
};

export default eventReads;
