import { toEffectiveStatus, type DB } from '@jcp/db';
import {
  lookupOffice,
  readOffice,
  statusDocument,
  type OfficeLookup,
  type OfficeView,
  type OfficeWithNames,
  type StatusChange,
} from '@jcp/use-cases';
import { etagOf } from './representation-cache.js';
import { CAUSES, CERTAINTIES, plainText, STATUSES, type EffectiveStatus } from '@jcp/domain';
import type { Kysely } from 'kysely';
import { z } from 'zod';

/** The shapes the API sends, and the one mapping from stored rows to each. */

export const officeIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,127}$/)
  .describe("Office id: the name's slug and the DWP office code, e.g. carlisle-8504");
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
export type StatusResource = z.infer<typeof statusSchema>;

export const officeSchema = z
  .object({
    id: officeIdSchema,
    officeCode: z.string(),
    name: z.string(),
    address: z.string(),
    postcode: z.string(),
    district: z.object({ code: z.string(), name: z.string() }),
    account: z.object({ id: z.string(), handle: z.string() }),
    aliases: z.array(z.object({ alias: z.string(), language: z.enum(['en', 'cy']) })),
    regularHours: z
      .record(z.string(), z.tuple([z.string(), z.string()]))
      .describe('ISO weekday (1 = Monday) to local opening and closing time'),
    closedPermanentlyOn: z.iso.date().nullable(),
    currentStatus: statusSchema,
  })
  .meta({ id: 'Office' });
export type OfficeResource = z.infer<typeof officeSchema>;

export const compactStatusSchema = z
  .object({
    status: z.enum(STATUSES),
    stale: z.boolean(),
    cause: z.enum(CAUSES).nullable(),
    until: instant,
    expectedReopenAt: instant,
  })
  .meta({ id: 'CompactStatus' });

export const statusDocumentSchema = z
  .object({
    count: z.number().int(),
    cursor: z
      .string()
      .describe('The change feed position this document reflects: follow GET /changes?after=<cursor> from here'),
    offices: z.record(z.string(), compactStatusSchema),
  })
  .meta({ id: 'StatusDocument' });

export const changeSchema = z
  .object({
    cursor: z.string().describe("This change's position in the feed (opaque; pass it back as `after`)"),
    officeId: officeIdSchema,
    effectiveAt: z.iso.datetime().describe('When the change took effect'),
    recordedAt: z.iso.datetime().describe('When it was recorded (a scheduled change: when the scheduler saw it)'),
    reason: z.enum(['notice', 'correction', 'cancellation', 'scheduled', 'expired', 'stale']),
    previousStatus: z.enum(STATUSES),
    currentStatus: statusSchema,
  })
  .meta({ id: 'StatusChange' });
export type ChangeResource = z.infer<typeof changeSchema>;

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Public free text as the API shows it: without the control and format characters it refuses on input, should older text hold any. */
export const shownText = (text: string | null): string | null => (text === null ? null : plainText(text));

export function toStatusResource(s: EffectiveStatus): StatusResource {
  return {
    status: s.status,
    stale: s.stale,
    cause: s.cause,
    message: shownText(s.message),
    since: iso(s.since),
    until: iso(s.until),
    expectedReopenAt: iso(s.expectedReopenAt),
    reopenCertainty: s.reopenCertainty,
    noticeId: s.noticeId,
    eventId: s.eventId,
  };
}

export function toOfficeResource(o: OfficeWithNames, status: EffectiveStatus): OfficeResource {
  return {
    id: o.id,
    officeCode: o.office_code,
    name: o.name,
    address: o.address,
    postcode: o.postcode,
    district: { code: o.district_code, name: o.district_name },
    account: { id: o.account_id, handle: o.account_handle },
    aliases: o.aliases.map((a) => ({ alias: a.alias, language: a.language as 'en' | 'cy' })),
    regularHours: o.regular_hours as Record<string, [string, string]>,
    closedPermanentlyOn: o.closed_permanently_on,
    currentStatus: toStatusResource(status),
  };
}

export function toChangeResource(c: StatusChange): ChangeResource {
  return {
    cursor: c.seq,
    officeId: c.office_id,
    effectiveAt: c.effective_at.toISOString(),
    recordedAt: c.recorded_at.toISOString(),
    reason: c.reason,
    previousStatus: c.previous_status,
    currentStatus: toStatusResource(toEffectiveStatus(c)),
  };
}

export interface Rendered<T> {
  body: T;
  /** Epoch ms of the next change time alone makes (null: none due). */
  expiresAt: number | null;
}

/** One office as GET /offices/{id} sends it, from the view (null: no such office). */
export async function renderOffice(
  view: OfficeView,
  officeId: string,
  now: Date,
): Promise<Rendered<OfficeResource> | null> {
  return officeBody(await readOffice({ view }, officeId, now));
}

function officeBody(found: OfficeLookup | null): Rendered<OfficeResource> | null {
  if (!found) return null;
  return { body: officeSchema.parse(toOfficeResource(found.office, found.status)), expiresAt: found.expiresAt };
}

/**
 * The ETag GET /offices/{id} sends for this office now (null: no such office), computed
 * as the representation cache does, from the database (a write's transaction): what
 * If-Match is checked against.
 */
export async function officeETag(db: Kysely<DB>, officeId: string, now: Date): Promise<string | null> {
  const rendered = officeBody(await lookupOffice({ db }, officeId, now));
  return rendered ? etagOf(JSON.stringify(rendered.body)) : null;
}

/** GET /statuses: every office's status, with the feed cursor the view reflects. */
export async function renderStatusDocument(
  view: OfficeView,
  now: Date,
): Promise<Rendered<z.infer<typeof statusDocumentSchema>>> {
  const { cursor, officeIds: ids, statuses, expiresAt } = await statusDocument({ view }, now);
  const offices: Record<string, z.infer<typeof compactStatusSchema>> = {};
  for (const id of ids) {
    const s = statuses.get(id);
    if (!s) continue;
    offices[id] = {
      status: s.status,
      stale: s.stale,
      cause: s.cause,
      until: iso(s.until),
      expectedReopenAt: iso(s.expectedReopenAt),
    };
  }
  return { body: statusDocumentSchema.parse({ count: ids.length, cursor, offices }), expiresAt };
}
