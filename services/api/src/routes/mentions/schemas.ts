import { REDACTION_KINDS, type RedactionKind } from '@jcp/domain';
import { accountIdSchema } from '@jcp/use-cases';
import { z } from 'zod';
import { problemSchema } from '../../schemas.js';

export const mentionId = z
  .string()
  .regex(/^\d{1,19}$/, 'an X post id')
  .describe("The mention's X post id");
export const accountId = accountIdSchema;
export const decisions = ['reply', 'signpost', 'inbox', 'opted-out', 'ignored'] as const;
export const instant = z.iso.datetime().nullable();

export const mentionSchema = z
  .object({
    id: mentionId,
    account: accountId.describe('The account it was addressed to (the first of ours it mentions)'),
    author: z.object({
      id: z.string(),
      username: z
        .string()
        .nullable()
        .describe('As X spells it; null when X gave none, or one that is not a valid X username'),
    }),
    text: z
      .string()
      .describe(
        'As written, with personal data replaced by a placeholder of its kind: [NI number], [phone], [email], [date of birth], [number] (an account, claim or reference number: any run of six or more digits), [postcode] (the inward code; the outward code stays, as it finds the office), [house number]',
      ),
    redacted: z
      .array(z.enum(REDACTION_KINDS as [RedactionKind, ...RedactionKind[]]))
      .describe('What kinds of personal data were taken out (never the values)'),
    postedAt: z.iso.datetime(),
    receivedAt: z.iso.datetime(),
    source: z.enum(['poll', 'webhook']),
    inReplyTo: z.string().nullable().describe('The post it replies to, if any'),
    conversationId: z.string().nullable(),
    classification: z.object({
      intent: z.enum(['status', 'other']).describe('status: asks whether an office is open, closed or delayed'),
      language: z.enum(['en', 'cy']),
      when: z.string().nullable().describe('now, today, tomorrow, or a weekday'),
      offices: z
        .array(z.string())
        .describe('The offices it asks about; empty: none named (the reply summarises the account)'),
      stop: z.boolean().describe('The user asked the bot to stop'),
    }),
    decision: z
      .enum(decisions)
      .describe(
        'reply: a status reply was queued; signpost: a signposting reply was queued and a person should look; inbox: a person should look; opted-out: the user said stop; ignored: our own account or a repost',
      ),
    reason: z
      .string()
      .describe(
        'Why: status-question, not-a-status-question, own-account, repost, asked-to-stop, opted-out, auto-replies-off, too-old, conversation-limit, throttled, invalid-username (X gave the author a username that is not a valid X username: it is not kept, and nothing is replied)',
      ),
    reply: z
      .object({
        postId: z.string().describe('The reply in GET /accounts/{accountId}/posts'),
        text: z.string(),
        state: z.enum(['queued', 'delivered', 'failed', 'superseded']),
        xPostId: z.string().nullable(),
        deliveredAt: instant,
        lastError: z.string().nullable(),
      })
      .nullable(),
    inbox: z
      .object({
        state: z.enum(['open', 'handled']),
        handledAt: instant,
        handledBy: z.string().nullable(),
        note: z.string().nullable(),
      })
      .nullable()
      .describe('Null: not for the inbox'),
  })
  .meta({ id: 'Mention' });

export const pageSchema = z
  .object({
    items: z.array(mentionSchema),
    nextCursor: z.string().nullable().describe('Pass as `cursor` for the next (older) page; null at the end'),
  })
  .meta({ id: 'MentionPage' });

export const ingestSchema = z
  .object({
    holder: z.string().nullable().describe('The instance that holds the ingest lock (reads mentions)'),
    heldSince: instant,
    lastPollAt: instant,
    lastSuccessAt: instant,
    nextPollAt: instant,
    blockedUntil: instant.describe('X said 429: no search before this'),
    intervalSeconds: z
      .number()
      .int()
      .nullable()
      .describe('The interval chosen at the last poll (shorter while offices are disrupted or people are asking)'),
    lastError: z.string().nullable(),
    consecutiveFailures: z.number().int(),
  })
  .meta({ id: 'MentionIngest' });

export const security = [{ bearer: [] }];
export const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 503: problemSchema };
export const listQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  account: accountId.optional(),
};
