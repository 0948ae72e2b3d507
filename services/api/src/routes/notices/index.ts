import { appendNotice, replaceNotice, statusesAt, toNotice, type DB } from '@jcp/db';
import { CAUSES, CERTAINTIES, STATUSES, type Notice, type NoticeDraft } from '@jcp/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { assertCovers, covers, fail, officesByIds, openEvent, toDraft, type ScopedOffice } from '@jcp/use-cases';
import { requireRole, type Principal } from '../../plugins/auth.js';
import { instantInput, problemSchema } from '../../schemas.js';
import { iso, officeETag, officeIdSchema, shownText, statusSchema, toStatusResource } from '../../views.js';
import {
  performWrite,
  singleOfficeWriteHeaders,
  writeHeaders,
  type WriteAnswer,
  type WriteContext,
} from '../../writes.js';

const noticeFields = {
  status: z.enum(STATUSES),
  cause: z.enum(CAUSES).optional().describe('Required for closed and delayed'),
  message: z.string().trim().min(1).max(1000).optional().describe('Shown to the public: what people should do'),
  from: instantInput.optional().describe('When it takes effect; a future time schedules it. Default: now'),
  until: instantInput.optional().describe('When it ends on its own. Default: until further notice'),
  expectedReopenAt: instantInput
    .optional()
    .describe('Closed: expected reopening. Delayed (required): when the office opens'),
  reopenCertainty: z
    .enum(CERTAINTIES)
    .optional()
    .describe('Default: expected when expectedReopenAt is given, else unknown'),
};
/** Shared by the notice bodies: new notices default to false, a correction to the original's. */
export const urgentField = z
  .boolean()
  .describe("Post to X outside the accounts' posting windows, where the account allows it");

const singleNoticeBody = z
  .object({
    ...noticeFields,
    urgent: urgentField.default(false),
    eventId: z
      .uuid()
      .optional()
      .describe(
        "Tie the notice to a disruption event (the office joins the event); a manager needs scope over the event's owners",
      ),
  })
  .strict()
  .meta({ id: 'NewNotice' });

const bulkNoticeBody = z
  .object({
    ...noticeFields,
    urgent: urgentField.default(false),
    offices: z.array(officeIdSchema).min(1).max(2000).optional().describe('These offices'),
    cluster: z.string().min(1).max(64).optional().describe('Every office of this cluster (account)'),
    district: z.string().min(1).max(16).optional().describe('Every office of this district'),
    event: z
      .uuid()
      .optional()
      .describe(
        "Every office of this disruption event; the notice is tied to the event (a manager needs scope over the event's owners)",
      ),
  })
  .strict()
  .superRefine((b, ctx) => {
    const targets = [b.offices, b.cluster, b.district, b.event].filter((t) => t !== undefined).length;
    if (targets !== 1)
      ctx.addIssue({ code: 'custom', message: 'give exactly one of offices, cluster, district or event', path: [] });
  })
  .meta({ id: 'NewBulkNotice' });

const noticeSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['notice', 'correction', 'cancellation']),
    replacesId: z.uuid().nullable().describe('The notice this corrects or cancels'),
    replacedById: z.uuid().nullable().describe('The correction or cancellation that replaced this one'),
    status: z.enum(STATUSES),
    cause: z.enum(CAUSES).nullable(),
    message: z.string().nullable(),
    from: z.iso.datetime(),
    until: z.iso.datetime().nullable(),
    expectedReopenAt: z.iso.datetime().nullable(),
    reopenCertainty: z.enum(CERTAINTIES),
    eventId: z.uuid().nullable(),
    urgent: urgentField,
    createdAt: z.iso.datetime(),
    officeIds: z.array(officeIdSchema),
  })
  .meta({ id: 'Notice' });

const createdSchema = z
  .object({ noticeId: z.uuid(), officeId: officeIdSchema, currentStatus: statusSchema })
  .meta({ id: 'NoticeCreated' });
const bulkCreatedSchema = z
  .object({
    noticeId: z.uuid(),
    officeIds: z.array(officeIdSchema),
    officeCount: z.number().int(),
    changedCount: z
      .number()
      .int()
      .describe('Offices whose current status changed now (a scheduled notice changes none yet)'),
  })
  .meta({ id: 'BulkNoticeCreated' });

const writeErrors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  503: problemSchema,
};

function ifMatches(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag;
  });
}

const notices: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/offices/:officeId/notices',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'Set the status of one office (a manager of its district or cluster, or an admin)',
        description:
          "Send If-Match with the office's ETag to be refused (412) rather than overwrite a change somebody else made since you looked. The answer carries the office's new ETag.",
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ officeId: officeIdSchema }),
        headers: singleOfficeWriteHeaders,
        body: singleNoticeBody,
        response: { 201: createdSchema, ...writeErrors, 412: problemSchema },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async ({ trx, principal, now, settle }) => {
        const { officeId } = request.params;
        const office = await trx
          .selectFrom('offices')
          .select(['id', 'district_code', 'cluster_id'])
          .where('id', '=', officeId)
          .executeTakeFirst();
        if (!office) throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
        assertCovers(principal, [office]);
        const ifMatch = request.headers['if-match'];
        if (ifMatch !== undefined) {
          const etag = (await officeETag(trx, office.id, now)) ?? '';
          if (!ifMatches(ifMatch, etag)) {
            throw fail(
              'STATUS_CHANGED',
              'The office changed since you read it; read it again, check, then retry with its new ETag',
              { currentETag: etag },
            );
          }
        }
        const { eventId, urgent, ...fields } = request.body;
        if (eventId) {
          await openEvent(trx, eventId, principal);
          await trx
            .insertInto('disruption_event_offices')
            .values({ event_id: eventId, office_id: office.id, added_at: now })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        const notice = await appendNotice(
          trx,
          {
            officeIds: [office.id],
            author: principal.actor,
            eventId: eventId ?? null,
            urgent,
            draft: toDraft(fields, now),
          },
          now,
        );
        const { statuses } = await settle([office.id], { reason: 'notice', actor: principal.actor });
        const etag = await officeETag(trx, office.id, now);
        const status = statuses.get(office.id);
        if (!etag || !status) throw new Error('a known office always renders');
        return {
          statusCode: 201,
          body: { noticeId: notice.id, officeId: office.id, currentStatus: toStatusResource(status) },
          headers: { location: `/offices/${office.id}`, etag },
        };
      }),
  );

  app.post(
    '/notices',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'Apply one notice to many offices at once: a list, a cluster, a district or a disruption event',
        description:
          "All or nothing: an office outside the token's scope, an unknown office or an invalid notice refuses the whole request, and nothing is applied. All 631 offices in one request are fine.",
        tags: ['notices'],
        security: [{ bearer: [] }],
        headers: writeHeaders,
        body: bulkNoticeBody,
        response: { 201: bulkCreatedSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async ({ trx, principal, now, settle }) => {
        const { offices: ids, cluster, district, event, urgent, ...fields } = request.body;
        let targets: ScopedOffice[];
        const base = trx
          .selectFrom('offices')
          .select(['id', 'district_code', 'cluster_id'])
          .where('closed_permanently_on', 'is', null)
          .orderBy('id');
        if (ids) targets = await officesByIds(trx, ids);
        else if (cluster !== undefined) {
          if (!(await trx.selectFrom('clusters').select('id').where('id', '=', cluster).executeTakeFirst()))
            throw fail('CLUSTER_NOT_FOUND', `No cluster ${cluster}`);
          targets = await base.where('cluster_id', '=', cluster).execute();
        } else if (district !== undefined) {
          if (!(await trx.selectFrom('districts').select('code').where('code', '=', district).executeTakeFirst()))
            throw fail('DISTRICT_NOT_FOUND', `No district ${district}`);
          targets = await base.where('district_code', '=', district).execute();
        } else {
          await openEvent(trx, event as string, principal);
          targets = await base
            .where('id', 'in', (eb) =>
              eb
                .selectFrom('disruption_event_offices')
                .select('office_id')
                .where('event_id', '=', event as string),
            )
            .execute();
        }
        if (targets.length === 0) throw fail('NO_OFFICES', 'The target has no open offices');
        assertCovers(principal, targets);
        const officeIds = targets.map((o) => o.id);
        const notice = await appendNotice(
          trx,
          { officeIds, author: principal.actor, eventId: event ?? null, urgent, draft: toDraft(fields, now) },
          now,
        );
        const { changes } = await settle(officeIds, { reason: 'notice', actor: principal.actor });
        const changed = new Set(changes.filter((c) => c.reason === 'notice').map((c) => c.office_id));
        return {
          statusCode: 201,
          body: { noticeId: notice.id, officeIds, officeCount: officeIds.length, changedCount: changed.size },
          headers: { location: `/notices/${notice.id}` },
        };
      }),
  );

  app.get(
    '/notices/:noticeId',
    {
      schema: {
        summary: 'One notice, its offices and what replaced it',
        tags: ['notices'],
        params: z.object({ noticeId: z.uuid() }),
        response: { 200: noticeSchema, 400: problemSchema, 404: problemSchema, 503: problemSchema },
      },
    },
    async (request) => {
      const row = await app.db
        .selectFrom('status_notices')
        .selectAll()
        .where('id', '=', request.params.noticeId)
        .executeTakeFirst();
      if (!row) throw fail('NOTICE_NOT_FOUND', `No notice ${request.params.noticeId}`);
      const [offices, replacement] = await Promise.all([
        app.db
          .selectFrom('status_notice_offices')
          .select('office_id')
          .where('notice_id', '=', row.id)
          .orderBy('office_id')
          .execute(),
        app.db.selectFrom('status_notices').select('id').where('replaces_id', '=', row.id).executeTakeFirst(),
      ]);
      const n = toNotice(row);
      return {
        id: n.id,
        kind: n.kind,
        replacesId: n.replacesId,
        replacedById: replacement?.id ?? null,
        status: n.status,
        cause: n.cause,
        message: shownText(n.message),
        from: n.activeFrom.toISOString(),
        until: iso(n.activeUntil),
        expectedReopenAt: iso(n.expectedReopenAt),
        reopenCertainty: n.reopenCertainty,
        eventId: n.eventId,
        urgent: row.urgent,
        createdAt: n.createdAt.toISOString(),
        officeIds: offices.map((o) => o.office_id),
      };
    },
  );

  /** Loads a notice to replace, checking it can be replaced and that the caller covers all its offices. */
  async function replaceable(trx: Kysely<DB>, principal: Principal, noticeId: string) {
    const original = await trx.selectFrom('status_notices').selectAll().where('id', '=', noticeId).executeTakeFirst();
    if (!original) throw fail('NOTICE_NOT_FOUND', `No notice ${noticeId}`);
    if (original.kind === 'cancellation')
      throw fail(
        'NOTICE_IS_CANCELLATION',
        'A cancellation cannot be corrected or cancelled; post a new notice instead',
      );
    const replacement = await trx
      .selectFrom('status_notices')
      .select('id')
      .where('replaces_id', '=', noticeId)
      .executeTakeFirst();
    if (replacement)
      throw fail(
        'NOTICE_REPLACED',
        `Notice ${noticeId} was already replaced by ${replacement.id}; correct or cancel that one`,
        { replacedById: replacement.id },
      );
    const offices = await trx
      .selectFrom('status_notice_offices as l')
      .innerJoin('offices as o', 'o.id', 'l.office_id')
      .select(['o.id', 'o.district_code', 'o.cluster_id'])
      .where('l.notice_id', '=', noticeId)
      .execute();
    assertCovers(principal, offices);
    return { original: toNotice(original), officeIds: offices.map((o) => o.id) };
  }

  /** A correction (new content) or cancellation (none) of a notice, settled, as the answer to send. */
  async function replaceWrite(
    { trx, principal, now, settle }: WriteContext,
    noticeId: string,
    kind: 'correction' | 'cancellation',
    content: (original: Notice) => NoticeDraft | null,
    urgent?: boolean,
  ): Promise<WriteAnswer> {
    const { original, officeIds } = await replaceable(trx, principal, noticeId);
    const row = await replaceNotice(
      trx,
      original.id,
      kind,
      content(original),
      principal.actor,
      now,
      urgent === undefined ? {} : { urgent },
    );
    const { changes } = await settle(officeIds, { reason: kind, actor: principal.actor });
    return {
      statusCode: 201,
      body: {
        noticeId: row.id,
        replacesId: original.id,
        kind,
        officeIds,
        changedCount: new Set(changes.filter((c) => c.reason === kind).map((c) => c.office_id)).size,
      },
      headers: { location: `/notices/${row.id}` },
    };
  }

  const replacedSchema = z
    .object({
      noticeId: z.uuid(),
      replacesId: z.uuid(),
      kind: z.enum(['correction', 'cancellation']),
      officeIds: z.array(officeIdSchema),
      changedCount: z.number().int(),
    })
    .meta({ id: 'NoticeReplaced' });

  app.post(
    '/notices/:noticeId/correction',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'Correct a notice: new content in its place, for the same offices',
        description:
          "The correction stands where the original stood (it does not supersede notices made after the original). `from` defaults to the original's. A notice can be replaced once; correct the correction to change it again.",
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ noticeId: z.uuid() }),
        headers: writeHeaders,
        body: z
          .object({
            ...noticeFields,
            urgent: urgentField
              .optional()
              .describe(
                "Post to X outside the accounts' posting windows, where the account allows it. Default: the original's",
              ),
          })
          .strict()
          .meta({ id: 'NoticeCorrection' }),
        response: { 201: replacedSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, (ctx) => {
        const { urgent, ...fields } = request.body;
        return replaceWrite(
          ctx,
          request.params.noticeId,
          'correction',
          (original) => toDraft(fields, ctx.now, original.activeFrom),
          urgent,
        );
      }),
  );

  app.post(
    '/notices/:noticeId/cancellation',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'Cancel a notice posted in error: it no longer counts, as if never made',
        description:
          'To reopen an office after a real closure, post an open notice instead: that keeps the closure in the history.',
        tags: ['notices'],
        security: [{ bearer: [] }],
        params: z.object({ noticeId: z.uuid() }),
        headers: writeHeaders,
        body: z.object({}).strict().nullish().describe('No body, or an empty object'),
        response: { 201: replacedSchema, ...writeErrors },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, (ctx) =>
        replaceWrite(ctx, request.params.noticeId, 'cancellation', () => null),
      ),
  );

  app.get(
    '/stale',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary:
          'Stale closures this token can act on: the expected reopening has passed and nobody has confirmed or reopened',
        description:
          'Managers see the offices of their districts and clusters, admins every office. Post an open notice to reopen, or a new closure with a new expected reopening to confirm.',
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
                  clusterId: z.string(),
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
      const principal = request.principal as Principal;
      // Only offices with a notice can be stale; the materialised table narrows the search.
      const candidates = await app.db
        .selectFrom('offices as o')
        .select(['o.id', 'o.name', 'o.district_code', 'o.cluster_id'])
        .where('o.closed_permanently_on', 'is', null)
        .where('o.id', 'in', (eb) =>
          eb
            .selectFrom('office_status')
            .select('office_id')
            .where((w) => w.or([w('status', '!=', 'open'), w('next_transition_at', '<=', new Date())])),
        )
        .orderBy('o.id')
        .execute();
      const inScope = candidates.filter((o) => covers(principal, o));
      const statuses = await statusesAt(
        app.db,
        inScope.map((o) => o.id),
        new Date(),
      );
      const offices = inScope.flatMap((o) => {
        const s = statuses.get(o.id);
        return s?.stale
          ? [
              {
                officeId: o.id,
                name: o.name,
                districtCode: o.district_code,
                clusterId: o.cluster_id,
                currentStatus: toStatusResource(s),
              },
            ]
          : [];
      });
      return { offices, count: offices.length };
    },
  );
};

export default notices;
