import { accountIdSchema, accountSettingsFields, xUserIdSchema } from '@jcp/use-cases';
import { z } from 'zod';
import { officeIdSchema } from '../../views.js';
import { MANAGERS_ONLY } from '../../visibility.js';
import { problemSchema } from '../../schemas.js';

// The settings' rules are the use cases' (accountSettingsFields): these schemas only shape the requests and answers.
export const accountId = accountIdSchema;
export const xUserId = xUserIdSchema;
const settingsFields = accountSettingsFields;

export const putBody = z
  .object({
    name: settingsFields.name,
    handle: settingsFields.handle,
    xUserId: settingsFields.xUserId.optional().describe('Default: kept (it comes with the credentials)'),
    languages: settingsFields.languages.optional().describe("Default ['en']"),
    postingWindow: settingsFields.postingWindow.optional().describe('Default 08:00-23:00'),
    includeLinks: settingsFields.includeLinks.optional().describe('Default false'),
    link: settingsFields.link.optional().describe('Default null'),
    allowUrgent: settingsFields.allowUrgent.optional().describe('Default false'),
    coalesceSeconds: settingsFields.coalesceSeconds.optional().describe('Default null (the service default)'),
    autoReplies: settingsFields.autoReplies.optional().describe('Default true'),
    signpostReplies: settingsFields.signpostReplies.optional().describe('Default false'),
  })
  .strict()
  .meta({ id: 'AccountSettings' });

export const patchBody = z
  .object(
    Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof settingsFields]: z.ZodOptional<(typeof settingsFields)[K]>;
    },
  )
  .strict()
  .meta({ id: 'AccountSettingsPatch' });

export const credentialsBody = z
  .object({
    accessToken: z.string().min(1).max(200).describe("The account's OAuth 1.0a access token"),
    accessSecret: z.string().min(1).max(200).describe("The account's OAuth 1.0a access token secret"),
    xUserId: xUserId
      .optional()
      .describe(
        'Required only when the service cannot ask X (no verifier configured); otherwise X says it, and a different value is refused',
      ),
  })
  .strict()
  .meta({ id: 'AccountCredentials' });

export const reasonBody = z
  .object({
    reason: z.string().trim().min(1).max(500).optional().describe('Why (shown in the account and the delivery health)'),
  })
  .strict()
  .nullish()
  .describe('An optional reason');
export const emptyBody = z.object({}).strict().nullish().describe('No body, or an empty object');

export const instant = z.iso.datetime().nullable();
export const budgetSchema = z.object({
  limit: z.number().int(),
  windowMs: z.number().int(),
  used: z.number().int().describe('Posts sent in the window ending now'),
});
export const appBudgetSchema = budgetSchema
  .extend({
    replies: z
      .object({
        share: z.number().min(0).max(1).describe('The fraction of the budget replies may use (X_REPLY_BUDGET_SHARE)'),
        limit: z.number().int().describe('The most replies the window may hold'),
        used: z.number().int(),
        remaining: z.number().int().describe('Replies that may go now'),
      })
      .describe('Replies to citizens: never more than their share, so that status posts always have the rest'),
    status: z
      .object({
        used: z.number().int(),
        remaining: z
          .number()
          .int()
          .describe('Status posts that may go now: everything left, the replies’ unused share included'),
        guaranteedRemaining: z
          .number()
          .int()
          .describe('Status posts left whatever replies do: their own share not yet used'),
      })
      .describe('Status posts: they may use the whole budget'),
  })
  .describe("The app's post budget (X: 10,000 a day), split between replies and status posts");

// Each resource has a public shape (what anybody may see, listed field by field, so that a
// field added later is private until somebody decides otherwise) and the privileged shape
// its managers and admins see, which extends it.

export const publicHealthSchema = z
  .object({
    queuedPosts: z.number().int(),
    oldestQueuedAt: instant,
    pendingChanges: z.number().int().describe('Changes not composed into posts yet'),
    blockedUntil: instant.describe('X said 429: nothing is sent before this'),
    lastAttemptAt: instant,
    lastSuccessAt: instant,
    lastFailureAt: instant,
    consecutiveFailures: z.number().int(),
    userBudget: budgetSchema,
    waiting: z
      .object({
        reason: z.enum(['coalescing', 'posting-window', 'paused', 'no-credentials', 'delivering', 'composing']),
        until: instant.describe('When time alone ends the wait (coalescing, posting window)'),
      })
      .nullable()
      .describe(
        'Why changes are not posted yet: gathering changes (coalescing), outside the posting window, paused, no credentials, earlier posts still being delivered, or being composed now; null when nothing waits',
      ),
  })
  .meta({ id: 'PublicAccountHealth' });

export const healthSchema = publicHealthSchema
  .extend({
    lastError: z
      .string()
      .nullable()
      .describe(`X's answer to the last failed attempt (a reply's included). ${MANAGERS_ONLY}`),
  })
  .meta({ id: 'AccountHealth' });

export const publicAccountSchema = z
  .object({
    id: accountId,
    name: z.string(),
    handle: z.string(),
    isPlaceholder: z.boolean().describe('The handle was made up from the district (no real account mapped yet)'),
    xUserId: z.string().nullable(),
    languages: z.array(z.enum(['en', 'cy'])),
    postingWindow: z.object({ start: z.string(), end: z.string() }),
    includeLinks: z.boolean(),
    link: z.string().nullable(),
    allowUrgent: z.boolean(),
    coalesceSeconds: z.number().int().nullable(),
    autoReplies: z.boolean(),
    signpostReplies: z.boolean(),
    paused: z.boolean(),
    pausedAt: instant,
    hasCredentials: z.boolean().describe('Credentials are stored (encrypted; never shown)'),
    officeCount: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    health: publicHealthSchema,
  })
  .meta({
    id: 'PublicAccount',
    description:
      'An account as anybody sees it: its settings and its delivery as states, counts and times. Its managers and admins get an Account, with the text of errors and reasons',
  });

export const accountSchema = publicAccountSchema
  .extend({
    pausedReason: z.string().nullable().describe(`Why it was paused (it may carry X's answer). ${MANAGERS_ONLY}`),
    health: healthSchema,
  })
  .meta({ id: 'Account', description: 'An account as its managers and admins see it' });

export const publicPostSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    handle: z.string(),
    language: z.enum(['en', 'cy']),
    part: z.number().int(),
    parts: z.number().int(),
    text: z.string(),
    state: z
      .enum(['queued', 'delivered', 'failed', 'superseded'])
      .describe('superseded: never sent; recomposed with a later state'),
    attempts: z.number().int(),
    xPostId: z.string().nullable(),
    outcome: z
      .enum(['posted', 'already-posted'])
      .nullable()
      .describe('already-posted: X refused a duplicate, so an earlier attempt got through'),
    createdAt: z.iso.datetime(),
    deliveredAt: instant,
    notBefore: z.iso.datetime(),
    replyToPostId: z.string().nullable().describe('The previous part of the thread'),
    kind: z.literal('status').describe("A post about the account's offices (replies to citizens are never public)"),
  })
  .meta({
    id: 'PublicFanoutPost',
    description:
      "A status post as anybody sees it. The account's managers and admins get a FanoutPost, and its replies too",
  });

export const postSchema = publicPostSchema
  .extend({
    kind: z
      .enum(['status', 'reply'])
      .describe("status: a post about the account's offices; reply: an automatic reply to a mention"),
    inReplyToXId: z.string().nullable().describe("A reply's target: the mention's X post id"),
    lastError: z.string().nullable().describe('Why the last attempt failed, or why it was not sent'),
    deliveredBy: z.string().nullable().describe('The worker whose attempt delivered it (host and process)'),
  })
  .meta({
    id: 'FanoutPost',
    description: `A post as the account's managers and admins see it: status posts and replies to citizens. ${MANAGERS_ONLY}`,
  });

export const publicChangeFanoutSchema = z
  .object({
    seq: z.string().describe("The change's cursor in GET /changes"),
    officeId: officeIdSchema,
    accountId: z.string(),
    urgent: z.boolean(),
    state: z
      .enum(['pending', 'composed', 'unchanged', 'none'])
      .describe(
        'pending: not composed yet; composed: in the posts below; unchanged: composed, but undone within the window or what followers already heard, so nothing of its own was posted; none: not fanned out (e.g. recorded before the fan-out existed)',
      ),
    batch: z.object({ id: z.uuid(), composedAt: z.iso.datetime() }).nullable(),
    posts: z.array(publicPostSchema),
  })
  .meta({
    id: 'PublicChangeFanout',
    description: "As anybody sees it; the account's managers and admins get a ChangeFanout",
  });

export const changeFanoutSchema = publicChangeFanoutSchema
  .extend({ posts: z.array(postSchema) })
  .meta({ id: 'ChangeFanout', description: `As the account's managers and admins see it. ${MANAGERS_ONLY}` });

export const deliverySchema = z
  .object({
    paused: z.boolean().describe('Delivery is paused for every account'),
    pausedReason: z
      .string()
      .nullable()
      .describe('Why delivery is paused. Managers and admins only; absent for everybody else'),
    pausedAt: instant,
    appBlockedUntil: instant.describe('X said 429 for the app: nothing is sent before this'),
    appBudget: appBudgetSchema,
    queuedPosts: z.number().int(),
    oldestQueuedAt: instant,
    pendingChanges: z.number().int(),
    failedPosts: z.number().int().describe('Posts given up on, created in the last 24 hours'),
    accountsWithErrors: z
      .array(z.string())
      .describe('Accounts failing since their last success, or paused with a reason'),
  })
  .meta({
    id: 'DeliveryHealth',
    description: 'As managers and admins see it; everybody else gets PublicDeliveryHealth, without pausedReason',
  });

export const publicDeliverySchema = deliverySchema.omit({ pausedReason: true }).meta({ id: 'PublicDeliveryHealth' });

// Privileged first: a public object lacks fields the privileged shape requires, so it can only match its own.
export const anyAccount = z.union([accountSchema, publicAccountSchema]);
export const anyChangeFanout = z.union([changeFanoutSchema, publicChangeFanoutSchema]);

// A read's answer depends on the token sent (a bad one is refused, even where reads are public).
export const reads = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 503: problemSchema };
// The admin routes' refusals (their scope documents 401 and 403 too).
export const refusals = { 401: problemSchema, 403: problemSchema, 503: problemSchema };
export const security = [{ bearer: [] }];
export const postId = z.string().regex(/^\d{1,18}$/, 'a post id');
export const next = z.string().nullable().describe('Pass as `before` for older posts; null at the end');
