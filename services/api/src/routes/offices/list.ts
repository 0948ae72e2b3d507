import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STATUSES } from '@jcp/domain';
import { searchOffices } from '@jcp/use-cases';
import { instantInput, problemSchema } from '../../schemas.js';
import { officeIdSchema, officeSchema, toOfficeResource } from '../../views.js';
import { conditionalHeaders, notModified, sendCached } from './http.js';

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
  q: z
    .string()
    .min(2)
    .max(100)
    .optional()
    .describe(
      'Search, as a person types it: name, alias or Welsh name (mutations too), town, postcode or outward code, misspellings corrected (docs/search.md). Ordered by relevance, at most 50 offices, each with its `match`',
    ),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('At most this many offices in the answer (unset: every office that matches, on one page)'),
  cursor: officeIdSchema.optional().describe("Continue after a previous page: its `next` (the page's last office id)"),
});

const searchMatchSchema = z
  .object({
    rank: z.number().int().describe('1 for the best match'),
    reason: z
      .enum(['name', 'alias', 'welsh-name', 'town', 'postcode', 'outward-code', 'fuzzy'])
      .describe(
        'How the search matched: the name, an alias, a Welsh name, the town of the address, the postcode or outward code, or fuzzy (a misspelling corrected, part or the start of a name)',
      ),
    matched: z
      .string()
      .describe('What of the register it matched, as written there: "Carlisle", "Abertawe", "CA3 8DA"'),
  })
  .meta({ id: 'SearchMatch' })
  .describe('Searches only (`q`): why this office is in the answer');

/** GET /offices: offices with their current status, filtered and searched. */
const officeList: FastifyPluginAsyncZod = async (app) => {
  // Lists and searches as the URL writes them, answered before routing while cached (cached-reads.ts).
  const route = app.cachedReads.serve({
    route: '/offices',
    path: '/offices',
    key: (rest) => (rest === '' || rest.startsWith('?') ? `offices${rest}` : undefined),
  });
  app.get(
    '/offices',
    {
      schema: {
        summary: 'Offices with their current status, filtered and searched',
        tags: ['offices'],
        querystring: listQuery,
        headers: conditionalHeaders,
        response: {
          200: z
            .object({
              offices: z.array(officeSchema.extend({ match: searchMatchSchema.optional() })),
              count: z.number().int().describe('Offices on this page'),
              total: z.number().int().describe('Offices that match, on every page'),
              next: officeIdSchema
                .nullable()
                .describe('Pass as `cursor` for the next page; null when this is the last (or only) page'),
            })
            .meta({ id: 'OfficeList' }),
          304: notModified,
          400: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { account, district, status, q, changedSince, limit, cursor } = request.query;
      return sendCached(request, reply, route.keyOf(request.url), async () => {
        const page = await searchOffices(
          { view: app.officeView },
          {
            accountId: account,
            districtCode: district,
            q,
            status,
            changedSince: changedSince ? new Date(changedSince) : undefined,
            limit,
            cursor,
          },
          new Date(),
        );
        const items = page.offices.map((o) => ({
          ...toOfficeResource(o.office, o.status),
          ...(o.match ? { match: o.match } : {}),
        }));
        return {
          body: { offices: items, count: items.length, total: page.total, next: page.next },
          expiresAt: page.expiresAt,
        };
      });
    },
  );
};

export default officeList;
