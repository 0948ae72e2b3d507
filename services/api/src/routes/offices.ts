import { createHash } from 'node:crypto';
import { findOffice, listOffices, statusesAt, type OfficeWithNames } from '@jcp/db';
import { CAUSES, CERTAINTIES, REGULAR_OPEN, STATUSES, type EffectiveStatus } from '@jcp/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpProblem } from '../errors.js';
import { problemSchema } from '../schemas.js';

const officeId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/).describe('Office id: the name\'s slug and the DWP office code, e.g. carlisle-8504');
const instant = z.iso.datetime().nullable();

export const statusSchema = z
  .object({
    status: z.enum(STATUSES),
    stale: z.boolean().describe('The expected reopening has passed and nobody has confirmed or reopened'),
    cause: z.enum(CAUSES).nullable(),
    message: z.string().nullable(),
    since: instant.describe('When the notice in force took effect (null: regular hours)'),
    until: instant.describe('When the notice in force ends (null: until further notice)'),
    expectedReopenAt: instant.describe('Closed: when it should reopen. Delayed: when it opens'),
    reopenCertainty: z.enum(CERTAINTIES),
    noticeId: z.uuid().nullable(),
    eventId: z.uuid().nullable(),
  })
  .meta({ id: 'OfficeStatus' });

export const officeSchema = z
  .object({
    id: officeId,
    officeCode: z.string(),
    name: z.string(),
    address: z.string(),
    postcode: z.string(),
    district: z.object({ code: z.string(), name: z.string() }),
    cluster: z.object({ id: z.string(), handle: z.string() }),
    aliases: z.array(z.object({ alias: z.string(), language: z.enum(['en', 'cy']) })),
    regularHours: z.record(z.string(), z.tuple([z.string(), z.string()])).describe('ISO weekday (1 = Monday) to local opening and closing time'),
    closedPermanentlyOn: z.iso.date().nullable(),
    currentStatus: statusSchema,
  })
  .meta({ id: 'Office' });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toStatusResource(s: EffectiveStatus): z.infer<typeof statusSchema> {
  return {
    status: s.status, stale: s.stale, cause: s.cause, message: s.message, since: iso(s.since), until: iso(s.until),
    expectedReopenAt: iso(s.expectedReopenAt), reopenCertainty: s.reopenCertainty, noticeId: s.noticeId, eventId: s.eventId,
  };
}

/** The one mapping from stored office to the API's shape. */
export function toOfficeResource(o: OfficeWithNames, status: EffectiveStatus): z.infer<typeof officeSchema> {
  return {
    id: o.id,
    officeCode: o.office_code,
    name: o.name,
    address: o.address,
    postcode: o.postcode,
    district: { code: o.district_code, name: o.district_name },
    cluster: { id: o.cluster_id, handle: o.cluster_handle },
    aliases: o.aliases.map((a) => ({ alias: a.alias, language: a.language as 'en' | 'cy' })),
    regularHours: o.regular_hours as Record<string, [string, string]>,
    closedPermanentlyOn: o.closed_permanently_on,
    currentStatus: toStatusResource(status),
  };
}

export function etagOf(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
}

// Short freshness: during disruption a status may change at any minute.
const CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=30';
const conditionalHeaders = z.object({ 'if-none-match': z.string().max(1000).optional() });
const notModified = z.null().describe('Not modified');

/** Answers a cacheable read: ETag and Cache-Control on the body, or 304 when the client has it. */
function sendCacheable<T>(request: FastifyRequest, reply: FastifyReply, body: T): T | FastifyReply {
  const etag = etagOf(body);
  reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
  if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
  return body;
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
  q: z.string().min(2).max(100).optional().describe('Search: name, alias (Welsh names too) or postcode / outward code'),
});

const compactStatus = z
  .object({
    status: z.enum(STATUSES),
    stale: z.boolean(),
    cause: z.enum(CAUSES).nullable(),
    until: instant,
    expectedReopenAt: instant,
  })
  .meta({ id: 'CompactStatus' });

const offices: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/statuses',
    {
      schema: {
        summary: 'The status of every office in one compact document (for caches, phone lines, status pages)',
        tags: ['offices'],
        headers: conditionalHeaders,
        response: {
          200: z.object({ count: z.number().int(), offices: z.record(z.string(), compactStatus) }).meta({ id: 'StatusDocument' }),
          304: notModified,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const ids = (await listOffices(app.db, {})).map((o) => o.id);
      const statuses = await statusesAt(app.db, ids, new Date());
      const document: Record<string, z.infer<typeof compactStatus>> = {};
      for (const id of ids) {
        const s = statuses.get(id) ?? REGULAR_OPEN;
        document[id] = { status: s.status, stale: s.stale, cause: s.cause, until: iso(s.until), expectedReopenAt: iso(s.expectedReopenAt) };
      }
      const body = { count: ids.length, offices: document };
      return sendCacheable(request, reply, body);
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
        response: { 200: z.object({ offices: z.array(officeSchema), count: z.number().int() }).meta({ id: 'OfficeList' }), 304: notModified, 400: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const { cluster, district, status, q } = request.query;
      const found = await listOffices(app.db, { clusterId: cluster, districtCode: district, q });
      const statuses = await statusesAt(app.db, found.map((o) => o.id), new Date());
      const items = found
        .map((o) => toOfficeResource(o, statuses.get(o.id) ?? REGULAR_OPEN))
        .filter((o) => !status || o.currentStatus.status === status);
      const body = { offices: items, count: items.length };
      return sendCacheable(request, reply, body);
    },
  );

  app.get(
    '/offices/:officeId',
    {
      schema: {
        summary: 'One office and its current status',
        tags: ['offices'],
        params: z.object({ officeId }),
        headers: conditionalHeaders,
        response: { 200: officeSchema, 304: notModified, 400: problemSchema, 404: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const office = await findOffice(app.db, request.params.officeId);
      if (!office) throw new HttpProblem(404, 'OFFICE_NOT_FOUND', `No office ${request.params.officeId}`);
      const status = (await statusesAt(app.db, [office.id], new Date())).get(office.id);
      if (!status) throw new Error('status missing for a known office');
      const body = toOfficeResource(office, status);
      return sendCacheable(request, reply, body);
    },
  );
};

export default offices;
