// Delivery to X as a whole: read by anybody (the pause reason by staff only), switched by admins.
import { pauseDelivery, readDeliveryHealth, resumeDelivery, type AccountDeps } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { viewerOf } from '../../visibility.js';
import { deliverySchema, emptyBody, publicDeliverySchema, reasonBody, refusals, security } from './schemas.js';
import { ADMIN_VIEW, toDeliveryResource } from './views.js';

export function deliveryReadRoutes(deps: AccountDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/delivery',
      {
        schema: {
          summary:
            'Delivery to X as a whole: paused or not, the app budget, what waits, what failed, which accounts have errors',
          description:
            'DeliveryHealth for managers and admins, PublicDeliveryHealth (without the pause reason) for everybody else.',
          tags: ['accounts'],
          response: {
            200: z.union([deliverySchema, publicDeliverySchema]),
            400: problemSchema,
            401: problemSchema,
            503: problemSchema,
          },
        },
      },
      async (request, reply) => toDeliveryResource(await readDeliveryHealth(deps), await viewerOf(request, reply)),
    );
  };
}

/** Admin: the switch for every account at once. */
export function deliverySwitchRoutes(deps: AccountDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/admin/delivery/pause',
      {
        schema: {
          summary: 'Pause delivery for every account at once (admin): posts wait, nothing is lost',
          tags: ['accounts'],
          security,
          body: reasonBody,
          response: { 200: deliverySchema, 400: problemSchema, ...refusals },
        },
      },
      async (request) =>
        toDeliveryResource(await pauseDelivery(deps, caller(request), request.body?.reason ?? null), ADMIN_VIEW),
    );

    app.post(
      '/admin/delivery/resume',
      {
        schema: {
          summary: 'Resume delivery for every account (admin); accounts paused one by one stay paused',
          tags: ['accounts'],
          security,
          body: emptyBody,
          response: { 200: deliverySchema, 400: problemSchema, ...refusals },
        },
      },
      async (request) => toDeliveryResource(await resumeDelivery(deps, caller(request)), ADMIN_VIEW),
    );
  };
}
