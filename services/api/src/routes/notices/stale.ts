import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { staleClosures } from '@jcp/use-cases';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { officeIdSchema, statusSchema, toStatusResource } from '../../views.js';

/** GET /stale: stale closures the caller can act on. */
const stale: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/stale',
    {
      schema: {
        summary:
          'Stale closures this token can act on: the expected reopening has passed and nobody has confirmed or reopened',
        description:
          'Managers see the offices of their districts and accounts, admins every office. Post an open notice to reopen, or a new closure with a new expected reopening to confirm.',
        tags: ['notices'],
        security: [{ bearer: [] }],
        response: {
          200: z
            .object({
              offices: z.array(
                z.object({
                  officeId: officeIdSchema,
                  name: z.string(),
                  districtCode: z.string(),
                  accountId: z.string(),
                  currentStatus: statusSchema,
                }),
              ),
              count: z.number().int(),
            })
            .meta({ id: 'StaleClosures' }),
          401: problemSchema,
          403: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request) => {
      const found = await staleClosures({ db: app.db }, caller(request), new Date());
      const offices = found.map(({ office: o, status }) => ({
        officeId: o.id,
        name: o.name,
        districtCode: o.district_code,
        accountId: o.account_id,
        currentStatus: toStatusResource(status),
      }));
      return { offices, count: offices.length };
    },
  );
};

export default stale;
