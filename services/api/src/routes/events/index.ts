import { randomUUID } from 'node:crypto';
import { appendAudit, appendNotice, replaceNotice, statusesAt, type DB, type DisruptionEvent } from '@jcp/db';
import { plainText, REGULAR_OPEN } from '@jcp/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { assertCovers, fail, officesByIds, openEvent, ownersAtStart } from '@jcp/use-cases';
import { requireRole } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { iso, officeIdSchema, shownText } from '../../views.js';
import { performWrite, writeHeaders } from '../../writes.js';
import { urgentField } from '../notices/index.js';

const ownersSchema = z
  .object({
    districtCodes: z
      .array(z.string())
      .describe(
        'Districts; a manager has scope over one its token names, or whose every office in business it covers through its clusters',
      ),
    clusterIds: z
      .array(z.string())
      .describe(
        'Clusters (X accounts); a manager has scope over one its token names, or whose every office in business it covers through its districts',
      ),
  })
  .describe(
    'Who may add offices to the event, tie notices to it and end it: a manager with scope over every owner, or an admin (the offices written to must be in scope too, as for every write). ' +
      'Set when the event starts and never changed: the districts of its first offices (the cluster instead, for an office the manager covers only through a cluster); ' +
      "for an event started empty, the starting manager's districts and clusters (none when an admin started it: then only admins)",
  )
  .meta({ id: 'DisruptionEventOwners' });

const eventSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    owners: ownersSchema,
    officeIds: z.array(officeIdSchema),
  })
  .meta({ id: 'DisruptionEvent' });

const eventSummarySchema = eventSchema
  .omit({ officeIds: true })
  .extend({ officeCount: z.number().int() })
  .meta({ id: 'DisruptionEventSummary' });

const writeErrors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  503: problemSchema,
};

type EventRow = Pick<
  DisruptionEvent,
  'id' | 'name' | 'description' | 'started_at' | 'ended_at' | 'owner_district_codes' | 'owner_cluster_ids'
>;

/** The fields of an event as the API sends them; names and descriptions stored before the API refused control and format characters are shown without them. */
function toEventFields(e: EventRow): Omit<z.infer<typeof eventSchema>, 'officeIds'> {
  return {
    id: e.id,
    name: plainText(e.name),
    description: shownText(e.description),
    startedAt: e.started_at.toISOString(),
    endedAt: iso(e.ended_at),
    owners: { districtCodes: e.owner_district_codes, clusterIds: e.owner_cluster_ids },
  };
}

async function loadEvent(db: Kysely<DB>, eventId: string): Promise<z.infer<typeof eventSchema>> {
  const event = await db.selectFrom('disruption_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  if (!event) throw fail('EVENT_NOT_FOUND', `No disruption event ${eventId}`);
  const offices = await db
    .selectFrom('disruption_event_offices')
    .select('office_id')
    .where('event_id', '=', eventId)
    .orderBy('office_id')
    .execute();
  return { ...toEventFields(event), officeIds: offices.map((o) => o.office_id) };
}

const events: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/events',
    {
      preHandler: requireRole('manager'),
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
      performWrite(app, request, reply, async ({ trx, principal, now }) => {
        const { name, description, offices = [] } = request.body;
        const targets = offices.length > 0 ? await officesByIds(trx, offices) : [];
        assertCovers(principal, targets);
        const id = randomUUID();
        const owners = ownersAtStart(principal, targets);
        await trx
          .insertInto('disruption_events')
          .values({
            id,
            name,
            description: description ?? null,
            started_at: now,
            created_by: principal.actor,
            created_at: now,
            owner_district_codes: owners.districtCodes,
            owner_cluster_ids: owners.clusterIds,
          })
          .execute();
        if (targets.length > 0)
          await trx
            .insertInto('disruption_event_offices')
            .values(targets.map((o) => ({ event_id: id, office_id: o.id, added_at: now })))
            .execute();
        await appendAudit(trx, [
          {
            actor: principal.actor,
            action: 'event.create',
            entityType: 'event',
            entityId: id,
            after: { name, description, offices: targets.length, owners },
          },
        ]);
        return { statusCode: 201, body: await loadEvent(trx, id), headers: { location: `/events/${id}` } };
      }),
  );

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
    async (request) => {
      let query = app.db
        .selectFrom('disruption_events as e')
        .select([
          'e.id',
          'e.name',
          'e.description',
          'e.started_at',
          'e.ended_at',
          'e.owner_district_codes',
          'e.owner_cluster_ids',
        ])
        .select((eb) =>
          eb
            .selectFrom('disruption_event_offices as l')
            .select((f) => f.fn.countAll<string>().as('n'))
            .whereRef('l.event_id', '=', 'e.id')
            .as('office_count'),
        )
        .orderBy('e.started_at', 'desc')
        .limit(500);
      if (request.query.state === 'active') query = query.where('e.ended_at', 'is', null);
      if (request.query.state === 'ended') query = query.where('e.ended_at', 'is not', null);
      const rows = await query.execute();
      return {
        events: rows.map((e) => ({ ...toEventFields(e), officeCount: Number(e.office_count ?? 0) })),
      };
    },
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
    async (request) => loadEvent(app.db, request.params.eventId),
  );

  app.post(
    '/events/:eventId/offices',
    {
      preHandler: requireRole('manager'),
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
      performWrite(app, request, reply, async ({ trx, principal, now }) => {
        // Scope over the event's owners and over the offices added: a manager cannot put
        // offices of their own into another district's event (which its managers could
        // then not end), nor another district's offices into theirs.
        const event = await openEvent(trx, request.params.eventId, principal);
        const targets = await officesByIds(trx, request.body.offices);
        assertCovers(principal, targets);
        const added = await trx
          .insertInto('disruption_event_offices')
          .values(targets.map((o) => ({ event_id: event.id, office_id: o.id, added_at: now })))
          .onConflict((oc) => oc.doNothing())
          .returning('office_id')
          .execute();
        if (added.length > 0) {
          await appendAudit(trx, [
            {
              actor: principal.actor,
              action: 'event.add_offices',
              entityType: 'event',
              entityId: event.id,
              after: { offices: added.map((a) => a.office_id) },
            },
          ]);
        }
        return { statusCode: 200, body: await loadEvent(trx, event.id) };
      }),
  );

  app.post(
    '/events/:eventId/end',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'End a disruption event: one call reopens every office the event closed or delayed',
        description:
          "Offices whose notice in force belongs to this event are reopened by one open notice, and the event's notices that have not started yet are cancelled. An office closed since for another reason (a later notice outside the event) is left as it is and listed in `leftAsIs`. A manager needs scope over the event's owners and every office of the event in scope.",
        tags: ['events'],
        security: [{ bearer: [] }],
        params: z.object({ eventId: z.uuid() }),
        headers: writeHeaders,
        body: z
          .object({
            message: z.string().trim().min(1).max(1000).optional().describe('Shown with the reopening'),
            urgent: urgentField
              .optional()
              .describe(
                "Post the reopening to X outside the accounts' posting windows, where the account allows it (default false)",
              ),
          })
          .strict()
          .nullish(),
        response: {
          200: z
            .object({
              event: eventSchema,
              reopenNoticeId: z.uuid().nullable(),
              reopened: z.array(officeIdSchema),
              leftAsIs: z.array(officeIdSchema).describe('Offices whose status comes from a notice outside the event'),
              cancelledScheduledNoticeIds: z
                .array(z.uuid())
                .describe(
                  'Notices of the event that had not started yet, cancelled so that they do not close offices after the event',
                ),
            })
            .meta({ id: 'DisruptionEventEnded' }),
          ...writeErrors,
        },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async ({ trx, principal, now, settle }) => {
        const event = await openEvent(trx, request.params.eventId, principal);
        const members = await trx
          .selectFrom('disruption_event_offices as l')
          .innerJoin('offices as o', 'o.id', 'l.office_id')
          .select(['o.id', 'o.district_code', 'o.cluster_id'])
          .where('l.event_id', '=', event.id)
          .where('o.closed_permanently_on', 'is', null)
          .orderBy('o.id')
          .execute();
        const statuses = await statusesAt(
          trx,
          members.map((m) => m.id),
          now,
        );
        const notOpen = members
          .map((m) => ({ office: m, status: statuses.get(m.id) ?? REGULAR_OPEN }))
          .filter((m) => m.status.status !== 'open');
        const toReopen = notOpen.filter((m) => m.status.eventId === event.id).map((m) => m.office);
        const leftAsIs = notOpen.filter((m) => m.status.eventId !== event.id).map((m) => m.office.id);
        // Ending an event acts on all of it, so the caller must cover every office in it.
        assertCovers(principal, members);
        // The event's notices that have not started yet would close offices after the
        // event is over: they are cancelled.
        const scheduled = await trx
          .selectFrom('status_notices as n')
          .select('n.id')
          .where('n.event_id', '=', event.id)
          .where('n.kind', '!=', 'cancellation')
          .where('n.active_from', '>', now)
          .where((eb) =>
            eb.not(
              eb.exists(eb.selectFrom('status_notices as r').select('r.id').whereRef('r.replaces_id', '=', 'n.id')),
            ),
          )
          .orderBy('n.seq')
          .execute();
        for (const notice of scheduled) await replaceNotice(trx, notice.id, 'cancellation', null, principal.actor, now);
        let reopenNoticeId: string | null = null;
        if (toReopen.length > 0) {
          const notice = await appendNotice(
            trx,
            {
              officeIds: toReopen.map((o) => o.id),
              author: principal.actor,
              eventId: event.id,
              urgent: request.body?.urgent ?? false,
              draft: {
                status: 'open',
                cause: null,
                message: request.body?.message ?? null,
                activeFrom: now,
                activeUntil: null,
                expectedReopenAt: null,
                reopenCertainty: 'unknown',
              },
            },
            now,
          );
          reopenNoticeId = notice.id;
        }
        if (toReopen.length > 0 || scheduled.length > 0)
          await settle(
            members.map((o) => o.id),
            { reason: 'notice', actor: principal.actor },
          );
        await trx.updateTable('disruption_events').set({ ended_at: now }).where('id', '=', event.id).execute();
        await appendAudit(trx, [
          {
            actor: principal.actor,
            action: 'event.end',
            entityType: 'event',
            entityId: event.id,
            after: { reopened: toReopen.length, leftAsIs: leftAsIs.length },
          },
        ]);
        return {
          statusCode: 200,
          body: {
            event: await loadEvent(trx, event.id),
            reopenNoticeId,
            reopened: toReopen.map((o) => o.id),
            leftAsIs,
            cancelledScheduledNoticeIds: scheduled.map((n) => n.id),
          },
        };
      }),
  );
};

export default events;
