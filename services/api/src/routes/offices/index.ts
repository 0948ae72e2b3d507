import { changesAfter, listOffices, officeHistory, officesChangedSince, statusesAt } from '@jcp/db';
import { REGULAR_OPEN, STATUSES } from '@jcp/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import { etagOf, type Representation } from '../../representation-cache.js';
import { instantInput, problemSchema } from '../../schemas.js';
import {
  changeSchema,
  officeIdSchema,
  officeSchema,
  renderOffice,
  renderStatusDocument,
  statusDocumentSchema,
  toChangeResource,
  toOfficeResource,
} from '../../views.js';

// Short freshness: during disruption a status may change at any minute.
const CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=30';
const JSON_TYPE = 'application/json; charset=utf-8';
const conditionalHeaders = z.object({ 'if-none-match': z.string().max(1000).optional() });
const notModified = z.null().describe('Not modified');

/**
 * Answers a cacheable read from its rendered JSON: ETag and Cache-Control, or 304 when
 * the client has it. The text was checked against the route's schema when rendered.
 */
function sendRepresentation(
  request: FastifyRequest,
  reply: FastifyReply,
  representation: Pick<Representation, 'payload' | 'etag'>,
): FastifyReply {
  reply.header('etag', representation.etag).header('cache-control', CACHE_CONTROL);
  if (matchesIfNoneMatch(request.headers['if-none-match'], representation.etag)) return reply.code(304).send(null);
  return reply.type(JSON_TYPE).send(representation.payload);
}

function sendJson(request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const payload = JSON.stringify(body);
  return sendRepresentation(request, reply, { payload, etag: etagOf(payload) });
}

function matchesIfNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (Array.isArray(header)) header = header.join(',');
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

const listQuery = z.object({
  cluster: z.string().max(64).optional().describe('Only offices of this cluster (account) id'),
  district: z.string().max(16).optional().describe('Only offices of this district code'),
  status: z.enum(STATUSES).optional().describe('Only offices whose current status is this'),
  changedSince: instantInput
    .optional()
    .describe(
      'Only offices with a status change recorded after this instant (scheduled changes are recorded within the scheduler interval)',
    ),
  q: z.string().min(2).max(100).optional().describe('Search: name, alias (Welsh names too) or postcode / outward code'),
});

const cursorSchema = z.string().regex(/^\d{1,18}$/, 'a cursor is the decimal number a previous page returned');

const offices: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/statuses',
    {
      schema: {
        summary: 'The status of every office in one compact document (for caches, phone lines, status pages)',
        description:
          'Carries the change-feed cursor it reflects: to stay in sync, take this document once, then follow GET /changes from its cursor.',
        tags: ['offices'],
        headers: conditionalHeaders,
        response: { 200: statusDocumentSchema, 304: notModified, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const representation = await app.representations.getOrRender('statuses', () =>
        renderStatusDocument(app.db, new Date()),
      );
      if (!representation) throw new Error('the status document always renders');
      return sendRepresentation(request, reply, representation);
    },
  );

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
      const { cluster, district, status, q, changedSince } = request.query;
      let found = await listOffices(app.db, { clusterId: cluster, districtCode: district, q });
      if (changedSince) {
        const changed = await officesChangedSince(app.db, new Date(changedSince));
        found = found.filter((o) => changed.has(o.id));
      }
      const statuses = await statusesAt(
        app.db,
        found.map((o) => o.id),
        new Date(),
      );
      const items = found
        .map((o) => toOfficeResource(o, statuses.get(o.id) ?? REGULAR_OPEN))
        .filter((o) => !status || o.currentStatus.status === status);
      return sendJson(request, reply, { offices: items, count: items.length });
    },
  );

  app.get(
    '/offices/:officeId',
    {
      // The hot path: a lookup the cache holds is answered here, before validation and
      // the handler (the rate limit, declared earlier, has run). Only when reads are
      // public: with READ_ACCESS=token the token check must come first.
      onRequest: (request, reply, done) => {
        const cached = app.readsArePublic
          ? app.representations.get(`office:${(request.params as { officeId?: string }).officeId ?? ''}`)
          : undefined;
        if (cached) void sendRepresentation(request, reply, cached);
        else done();
      },
      schema: {
        summary: 'One office and its current status',
        description:
          'The ETag is what a manager sends as If-Match when changing this office, so that a change made meanwhile by somebody else is refused (412) instead of overwritten.',
        tags: ['offices'],
        params: z.object({ officeId: officeIdSchema }),
        headers: conditionalHeaders,
        response: { 200: officeSchema, 304: notModified, 400: problemSchema, 404: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const { officeId } = request.params;
      const representation = await app.representations.getOrRender(`office:${officeId}`, () =>
        renderOffice(app.db, officeId, new Date()),
      );
      if (!representation) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
      return sendRepresentation(request, reply, representation);
    },
  );

  app.get(
    '/offices/:officeId/history',
    {
      schema: {
        summary: "How one office's status changed, newest first",
        tags: ['offices'],
        params: z.object({ officeId: officeIdSchema }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: cursorSchema.optional().describe('Continue from a previous page: its `next`'),
        }),
        headers: conditionalHeaders,
        response: {
          200: z
            .object({
              officeId: officeIdSchema,
              changes: z.array(changeSchema),
              next: z.string().nullable().describe('Pass as `before` for older changes; null at the start'),
            })
            .meta({ id: 'OfficeHistory' }),
          304: notModified,
          400: problemSchema,
          404: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { officeId } = request.params;
      const office = await app.db.selectFrom('offices').select('id').where('id', '=', officeId).executeTakeFirst();
      if (!office) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
      const { limit, before } = request.query;
      const changes = await officeHistory(app.db, officeId, limit, before);
      const next = changes.length === limit ? (changes.at(-1)?.seq ?? null) : null;
      return sendJson(request, reply, { officeId, changes: changes.map(toChangeResource), next });
    },
  );

  app.get(
    '/changes',
    {
      schema: {
        summary: 'The change feed: every status change of every office, in order',
        description:
          'Changes are numbered in commit order, so a client that stores the last `cursor` it processed and asks for `after=<cursor>` misses and repeats nothing, even while several managers write at once. Start from GET /statuses and its cursor, or from `after=0` for the whole history. Scheduled starts, expiries and reopening times that pass (stale) appear here like manual changes, recorded by the scheduler within its interval.',
        tags: ['offices'],
        querystring: z.object({
          after: cursorSchema.default('0').describe('The last cursor already processed (0: from the start)'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          office: officeIdSchema.optional().describe("Only this office's changes"),
        }),
        headers: conditionalHeaders,
        response: {
          200: z
            .object({
              changes: z.array(changeSchema),
              cursor: z.string().describe('Pass as `after` next time'),
              hasMore: z.boolean(),
            })
            .meta({ id: 'ChangePage' }),
          304: notModified,
          400: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { after, limit, office } = request.query;
      const page = await changesAfter(app.db, after, limit, { officeId: office });
      return sendJson(request, reply, {
        changes: page.changes.map(toChangeResource),
        cursor: page.cursor,
        hasMore: page.changes.length === limit,
      });
    },
  );
};

export default offices;
