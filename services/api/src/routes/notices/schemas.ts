import { CAUSES, CERTAINTIES, STATUSES } from '@jcp/domain';
import { z } from 'zod';
import { instantInput } from '../../schemas.js';
import { officeIdSchema, statusSchema } from '../../views.js';

// The notices' request and answer shapes (the OpenAPI document's NewNotice, Notice …).

export const noticeFields = {
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

export const singleNoticeBody = z
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

export const bulkNoticeBody = z
  .object({
    ...noticeFields,
    urgent: urgentField.default(false),
    offices: z.array(officeIdSchema).min(1).max(2000).optional().describe('These offices'),
    account: z.string().min(1).max(64).optional().describe('Every office of this account'),
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
    const targets = [b.offices, b.account, b.district, b.event].filter((t) => t !== undefined).length;
    if (targets !== 1)
      ctx.addIssue({ code: 'custom', message: 'give exactly one of offices, account, district or event', path: [] });
  })
  .meta({ id: 'NewBulkNotice' });

export const noticeSchema = z
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

export const createdSchema = z
  .object({ noticeId: z.uuid(), officeId: officeIdSchema, currentStatus: statusSchema })
  .meta({ id: 'NoticeCreated' });
export const bulkCreatedSchema = z
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
