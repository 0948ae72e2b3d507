import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STATUSES } from '@jcp/domain';
import { searchOffices } from '@jcp/use-cases';
import { instantInput, problemSchema } from '../../schemas.js';
import { officeSchema, toOfficeResource } from '../../views.js';
import { conditionalHeaders, notModified, sendJson } from './http.js';

const listQuery = z.object({
  account: z.string().max(64).optional().describe('Only offices of this account id'),
  cluster: z
    .never({ error: 'cluster was renamed account in API 0.2.0' })
    .optional()
    .meta({ deprecated: true })
    .describe(
      'Renamed `account` in API 0.2.0 and refused (400), so that a client still filtering by `cluster` is told, not answered with every office',
    ),
  district: z.string().max(16).optional().describe('Only offices of this district code'),
  status: z.enum(STATUSES).optional().describe('Only offices whose current status is this'),
  changedSince: instantInput
    .optional()
    .describe(
      'Only offices with a status change recorded after this instant (scheduled changes are recorded within the scheduler interval)',
    ),
  q: z.string().min(2).max(100).optional().describe('Search: name, alias (Welsh names too) or postcode / outward code'),
});

/** GET /offices: offices with their current status, filtered and searched. */
const officeList: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/offices',
    {
      schema: {
        summary: 'Offices with their current status, filtered and searched',
        tags: ['offices'],
        querystring: listQuery,
        headers: conditionalHeaders,
        response: {
          200: z.object({ offices: z.array(officeSchema), count: z.number().int() }).meta({ id: 'OfficeList' }),
          304: notModified,
          400: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { account, district, status, q, changedSince } = request.query;
      const found = await searchOffices(
        { db: app.db },
        {
          accountId: account,
          districtCode: district,
          q,
          status,
          changedSince: changedSince ? new Date(changedSince) : undefined,
        },
        new Date(),
      );
      const items = found.map((o) => toOfficeResource(o.office, o.status));
      return sendJson(request, reply, { offices: items, count: items.length });
    },
  );
};

export default officeList;
