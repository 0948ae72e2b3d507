import {
  AccountRejected,
  clearAccountCredentials,
  createAccount,
  deliveryHealth,
  fanoutForOffice,
  getAccount,
  listAccounts,
  pauseAccount,
  pauseAll,
  postsForAccount,
  postsForChange,
  resumeAccount,
  resumeAll,
  setAccountCredentials,
  updateAccount,
  XBindingConflict,
  type Account,
  type AccountSettingsPatch,
  type AccountWriteResult,
  type ChangeFanout,
  type DeliveryHealth,
  type PostView,
  type XTarget,
} from '@jcp/db';
import {
  DEFAULT_APP_POST_BUDGET,
  DEFAULT_USER_POST_BUDGET,
  isPostableLink,
  isXUsername,
  X_USERNAME_PATTERN,
  type AppBudgetRule,
  type BudgetRule,
} from '@jcp/domain';
import { sealAccountTokens, type CredentialsKeys } from '@jcp/x-client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import { requireRole, type Principal } from '../plugins/auth.js';
import { problemSchema } from '../schemas.js';
import { iso, officeIdSchema } from '../views.js';
import { MANAGERS_ONLY, viewerOf, type View, type Viewer } from '../visibility.js';

/** An account's OAuth 1.0a user tokens, as the credentials endpoint takes them. */
export interface AccountTokensInput {
  accessToken: string;
  accessSecret: string;
}

/** The fan-out's settings the API needs: the key that seals credentials, X to verify them, the budgets to report. */
export interface FanoutApiOptions {
  /** AES-256-GCM keys for the accounts' tokens at rest: new ones are sealed with the current key, bound to their account. */
  credentialsKey: CredentialsKeys;
  /** The X that verifyAccount asks (the emulator, or a real X): credentials are stored only in a database bound to the same kind. */
  xTarget: XTarget;
  /** Asks X who these tokens belong to (GET /2/users/me). Throws twitter-api-v2's ApiResponseError (401/403) when X rejects them. */
  verifyAccount?: (tokens: AccountTokensInput) => Promise<{ id: string; username: string }>;
  /** Default: X's 100 posts per 15 minutes per user. */
  userBudget?: BudgetRule;
  /** Default: X's 10,000 posts per 24 hours per app, half of it for replies. */
  appBudget?: AppBudgetRule;
  /** FANOUT_COALESCE_SECONDS, to say when gathered changes will go (default 60). */
  coalesceSeconds?: number;
}

export interface AccountRoutesOptions {
  fanout?: FanoutApiOptions | undefined;
}

// --- schemas ---------------------------------------------------------------------------------

const accountId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
  .describe('Cluster (X account) id, e.g. district-105');
const handle = z
  .string()
  .regex(X_USERNAME_PATTERN, 'an X handle: 1-15 letters, digits or _')
  .describe('X handle without the @');
const xUserId = z
  .string()
  .regex(/^[0-9]{1,20}$/, 'an X user id: 1-20 digits')
  .describe('The X user id of the account');
const languages = z
  .array(z.enum(['en', 'cy']))
  .min(1)
  .max(2)
  .refine((l) => l.includes('en') && new Set(l).size === l.length, { message: "must be ['en'] or ['en', 'cy']" })
  .describe("Languages the account posts in: ['en'], or ['en', 'cy'] (Welsh too, in Wales)");
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a local time 'HH:MM'");
const postingWindow = z
  .object({ start: clock, end: clock })
  .strict()
  .refine((w) => w.start < w.end, {
    message: 'the window must start before it ends (it may not wrap midnight)',
    path: ['end'],
  })
  .describe('When the account posts, local (Europe/London) time');
const link = z
  .string()
  .max(200)
  .regex(/^https:\/\/[^\s]+$/, 'an https:// URL')
  .refine(isPostableLink, 'a link X counts as 23 characters (a whole URL with a known top-level domain)')
  .nullable()
  .describe(
    'Posted once, in the first part of each post, when includeLinks is set (a post with a link costs about 13 times more)',
  );
const coalesceSeconds = z
  .number()
  .int()
  .min(0)
  .max(3600)
  .nullable()
  .describe('Changes within this many seconds become one post or thread; null: the service default');

const settingsFields = {
  name: z.string().trim().min(1).max(200).describe('Name of the place the account serves'),
  handle,
  xUserId: xUserId.nullable(),
  languages,
  postingWindow,
  includeLinks: z.boolean().describe('Add `link` to posts'),
  link,
  allowUrgent: z.boolean().describe('Urgent notices may be posted outside the posting window'),
  coalesceSeconds,
  autoReplies: z
    .boolean()
    .describe('Mentions asking whether an office is open get a templated reply (off: they go to the inbox)'),
  signpostReplies: z
    .boolean()
    .describe(
      'Other mentions get a polite signposting reply, at most one per user per day (they go to the inbox either way)',
    ),
};

const putBody = z
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

const patchBody = z
  .object(
    Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof settingsFields]: z.ZodOptional<(typeof settingsFields)[K]>;
    },
  )
  .strict()
  .meta({ id: 'AccountSettingsPatch' });

const credentialsBody = z
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

const reasonBody = z
  .object({
    reason: z.string().trim().min(1).max(500).optional().describe('Why (shown in the account and the delivery health)'),
  })
  .strict()
  .nullish()
  .describe('An optional reason');
const emptyBody = z.object({}).strict().nullish().describe('No body, or an empty object');

const instant = z.iso.datetime().nullable();
const budgetSchema = z.object({
  limit: z.number().int(),
  windowMs: z.number().int(),
  used: z.number().int().describe('Posts sent in the window ending now'),
});
const appBudgetSchema = budgetSchema
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

const publicHealthSchema = z
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

const healthSchema = publicHealthSchema
  .extend({
    lastError: z
      .string()
      .nullable()
      .describe(`X's answer to the last failed attempt (a reply's included). ${MANAGERS_ONLY}`),
  })
  .meta({ id: 'AccountHealth' });

const publicAccountSchema = z
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

const accountSchema = publicAccountSchema
  .extend({
    pausedReason: z.string().nullable().describe(`Why it was paused (it may carry X's answer). ${MANAGERS_ONLY}`),
    health: healthSchema,
  })
  .meta({ id: 'Account', description: 'An account as its managers and admins see it' });

const publicPostSchema = z
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

const postSchema = publicPostSchema
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

const publicChangeFanoutSchema = z
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

const changeFanoutSchema = publicChangeFanoutSchema
  .extend({ posts: z.array(postSchema) })
  .meta({ id: 'ChangeFanout', description: `As the account's managers and admins see it. ${MANAGERS_ONLY}` });

const deliverySchema = z
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

const publicDeliverySchema = deliverySchema.omit({ pausedReason: true }).meta({ id: 'PublicDeliveryHealth' });

// Privileged first: a public object lacks fields the privileged shape requires, so it can only match its own.
const anyAccount = z.union([accountSchema, publicAccountSchema]);
const anyChangeFanout = z.union([changeFanoutSchema, publicChangeFanoutSchema]);

// --- views -----------------------------------------------------------------------------------

type AccountResource = z.infer<typeof accountSchema>;
type PublicAccountResource = z.infer<typeof publicAccountSchema>;
type PostResource = z.infer<typeof postSchema>;
type PublicPostResource = z.infer<typeof publicPostSchema>;

// One view function per resource, given the caller's view. A public view is built from the
// public fields only (nothing privileged is blanked: it is not there), so no route can leak
// what its view function does not put in.

function toAccountResource(a: Account, view: 'privileged'): AccountResource;
function toAccountResource(a: Account, view: View): AccountResource | PublicAccountResource;
function toAccountResource(a: Account, view: View): AccountResource | PublicAccountResource {
  const h = a.health;
  const health = {
    queuedPosts: h.queuedPosts,
    oldestQueuedAt: iso(h.oldestQueuedAt),
    pendingChanges: h.pendingChanges,
    blockedUntil: iso(h.blockedUntil),
    lastAttemptAt: iso(h.lastAttemptAt),
    lastSuccessAt: iso(h.lastSuccessAt),
    lastFailureAt: iso(h.lastFailureAt),
    consecutiveFailures: h.consecutiveFailures,
    userBudget: h.userBudget,
    waiting: h.waiting && { reason: h.waiting.reason, until: iso(h.waiting.until) },
  };
  const shown: PublicAccountResource = {
    id: a.id,
    name: a.name,
    handle: a.handle,
    isPlaceholder: a.isPlaceholder,
    xUserId: a.xUserId,
    languages: a.languages,
    postingWindow: a.postingWindow,
    includeLinks: a.includeLinks,
    link: a.link,
    allowUrgent: a.allowUrgent,
    coalesceSeconds: a.coalesceSeconds,
    autoReplies: a.autoReplies,
    signpostReplies: a.signpostReplies,
    paused: a.paused,
    pausedAt: iso(a.pausedAt),
    hasCredentials: a.hasCredentials,
    officeCount: a.officeCount,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    health,
  };
  if (view === 'public') return shown;
  return { ...shown, pausedReason: a.pausedReason, health: { ...health, lastError: h.lastError } };
}

/** A post, or nothing: a reply has no public view at all. */
function toPostResource(p: PostView, view: 'privileged'): PostResource;
function toPostResource(p: PostView, view: 'public'): PublicPostResource | null;
function toPostResource(p: PostView, view: View): PostResource | PublicPostResource | null;
function toPostResource(p: PostView, view: View): PostResource | PublicPostResource | null {
  if (view === 'public' && p.kind !== 'status') return null;
  const shown: PublicPostResource = {
    id: p.id,
    accountId: p.accountId,
    handle: p.handle,
    language: p.language,
    part: p.part,
    parts: p.parts,
    text: p.text,
    state: p.state,
    attempts: p.attempts,
    xPostId: p.xPostId,
    outcome: p.outcome,
    createdAt: p.createdAt.toISOString(),
    deliveredAt: iso(p.deliveredAt),
    notBefore: p.notBefore.toISOString(),
    replyToPostId: p.replyToPostId,
    kind: 'status',
  };
  if (view === 'public') return shown;
  return { ...shown, kind: p.kind, inReplyToXId: p.inReplyToXId, lastError: p.lastError, deliveredBy: p.deliveredBy };
}

/** Posts of one account as `view` shows them: a public list has no replies. */
function toPostList(
  posts: readonly PostView[],
  view: View,
): { posts: PostResource[] } | { posts: PublicPostResource[] } {
  if (view === 'privileged') return { posts: posts.map((p) => toPostResource(p, view)) };
  return { posts: posts.flatMap((p) => toPostResource(p, view) ?? []) };
}

function toChangeFanoutResource(
  c: ChangeFanout,
  viewer: Viewer,
): z.infer<typeof changeFanoutSchema> | z.infer<typeof publicChangeFanoutSchema> {
  return {
    ...c,
    batch: c.batch ? { id: c.batch.id, composedAt: c.batch.composedAt.toISOString() } : null,
    ...toPostList(c.posts, viewer.of(c.accountId)),
  };
}

type DeliveryResource = z.infer<typeof deliverySchema>;
type PublicDeliveryResource = z.infer<typeof publicDeliverySchema>;

function toDeliveryResource(d: DeliveryHealth, viewer: { staff: true }): DeliveryResource;
function toDeliveryResource(
  d: DeliveryHealth,
  viewer: Pick<Viewer, 'staff'>,
): DeliveryResource | PublicDeliveryResource;
function toDeliveryResource(
  d: DeliveryHealth,
  viewer: Pick<Viewer, 'staff'>,
): DeliveryResource | PublicDeliveryResource {
  const full = {
    ...d,
    pausedAt: iso(d.pausedAt),
    appBlockedUntil: iso(d.appBlockedUntil),
    oldestQueuedAt: iso(d.oldestQueuedAt),
  };
  return viewer.staff ? full : publicDeliverySchema.parse(full);
}

/** What the admin routes answer with: everything. */
const ADMIN_VIEW = { staff: true } as const;

// --- routes ----------------------------------------------------------------------------------

const security = [{ bearer: [] }];
const refusals = { 401: problemSchema, 403: problemSchema, 503: problemSchema };
// A read's answer depends on the token sent (a bad one is refused, even where reads are public).
const reads = { 400: problemSchema, 401: problemSchema, 404: problemSchema, 503: problemSchema };
const postId = z.string().regex(/^\d{1,18}$/, 'a post id');
const next = z.string().nullable().describe('Pass as `before` for older posts; null at the end');

/** X refused the tokens themselves (HTTP 401 or 403), as opposed to being unreachable or failing. */
function isRejection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === 401 || code === 403);
}

function actorOf(request: FastifyRequest): string {
  const principal: Principal | null = request.principal;
  if (!principal) throw fail('AUTHENTICATION_REQUIRED', 'A bearer token is required');
  return principal.actor;
}

const notFound = (id: string) => fail('ACCOUNT_NOT_FOUND', `No account ${id}`);

/** Runs an account write, turning its refusals into problems. */
async function accountWrite(id: string, write: () => Promise<AccountWriteResult>): Promise<Account> {
  let result: AccountWriteResult;
  try {
    result = await write();
  } catch (error) {
    if (error instanceof AccountRejected) {
      throw fail('ACCOUNT_REJECTED', error.message, {
        errors: error.problems.map((p) => ({ path: `/${p.field}`, message: p.reason })),
      });
    }
    throw error;
  }
  if (result.outcome === 'ok') return result.account;
  if (result.outcome === 'not_found') throw notFound(id);
  if (result.outcome === 'exists') throw fail('ACCOUNT_EXISTS', `Account ${id} already exists`);
  throw fail('HANDLE_TAKEN', `Another account${result.clusterId ? ` (${result.clusterId})` : ''} has this handle`, {
    clusterId: result.clusterId,
  });
}

const accounts: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, options) => {
  const fanout = options.fanout;
  const userBudget = fanout?.userBudget ?? DEFAULT_USER_POST_BUDGET;
  const appBudget = fanout?.appBudget ?? DEFAULT_APP_POST_BUDGET;
  const readOptions = {
    userBudget,
    ...(fanout?.coalesceSeconds === undefined ? {} : { coalesceSeconds: fanout.coalesceSeconds }),
  };
  /** For the admin routes: the whole account. */
  const loadAccount = async (id: string) => {
    const account = await getAccount(app.db, id, readOptions);
    if (!account) throw notFound(id);
    return toAccountResource(account, 'privileged');
  };

  // Health changes by the second, and admin answers are nobody's to keep.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', request.url.startsWith('/admin/') ? 'no-store' : 'no-cache');
  });

  // --- reads ---

  app.get(
    '/accounts',
    {
      schema: {
        summary: 'The cluster X accounts: settings (never credentials) and delivery health',
        tags: ['accounts'],
        description: `Each account is an Account for its managers and admins, a PublicAccount for everybody else.`,
        response: {
          200: z.object({ accounts: z.array(anyAccount), count: z.number().int() }).meta({ id: 'AccountList' }),
          400: problemSchema,
          401: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const viewer = await viewerOf(request, reply);
      const list = await listAccounts(app.db, readOptions);
      return { accounts: list.map((a) => toAccountResource(a, viewer.of(a.id))), count: list.length };
    },
  );

  app.get(
    '/accounts/:accountId',
    {
      schema: {
        summary: 'One cluster X account: settings (never credentials) and delivery health',
        tags: ['accounts'],
        description: `An Account for its managers and admins, a PublicAccount for everybody else.`,
        params: z.object({ accountId }),
        response: { 200: anyAccount, ...reads },
      },
    },
    async (request, reply) => {
      const viewer = await viewerOf(request, reply);
      const { accountId: id } = request.params;
      const account = await getAccount(app.db, id, readOptions);
      if (!account) throw notFound(id);
      return toAccountResource(account, viewer.of(id));
    },
  );

  app.get(
    '/accounts/:accountId/posts',
    {
      schema: {
        summary: "An account's posts (composed, delivered or failed), newest first",
        description: `Everybody sees the account's status posts (PublicFanoutPost). Its managers and admins also see its replies to citizens, and each post's lastError and deliveredBy (FanoutPost).`,
        tags: ['accounts'],
        params: z.object({ accountId }),
        querystring: z.object({
          state: z.enum(['queued', 'delivered', 'failed', 'superseded']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: postId.optional().describe('Continue from a previous page: its `next`'),
        }),
        response: {
          200: z.union([
            z.object({ accountId, posts: z.array(postSchema), next }).meta({ id: 'AccountPosts' }),
            z.object({ accountId, posts: z.array(publicPostSchema), next }).meta({ id: 'PublicAccountPosts' }),
          ]),
          ...reads,
        },
      },
    },
    async (request, reply) => {
      const viewer = await viewerOf(request, reply);
      const { accountId: id } = request.params;
      if (!(await app.db.selectFrom('clusters').select('id').where('id', '=', id).executeTakeFirst()))
        throw notFound(id);
      const { state, limit, before } = request.query;
      const view = viewer.of(id);
      // Replies are left out of a public page in the query: absent, not blanked, and the page still full.
      const posts = await postsForAccount(app.db, id, {
        limit,
        ...(state ? { state } : {}),
        ...(before ? { before } : {}),
        ...(view === 'public' ? { kind: 'status' as const } : {}),
      });
      return {
        accountId: id,
        ...toPostList(posts, view),
        next: posts.length === limit ? (posts.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/offices/:officeId/posts',
    {
      schema: {
        summary: "What the fan-out made of an office's recent status changes, newest first",
        tags: ['accounts'],
        params: z.object({ officeId: officeIdSchema }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        description:
          "Each change is a ChangeFanout for its account's managers and admins, a PublicChangeFanout for everybody else.",
        response: {
          200: z.object({ officeId: officeIdSchema, changes: z.array(anyChangeFanout) }).meta({ id: 'OfficeFanout' }),
          ...reads,
        },
      },
    },
    async (request, reply) => {
      const viewer = await viewerOf(request, reply);
      const { officeId } = request.params;
      if (!(await app.db.selectFrom('offices').select('id').where('id', '=', officeId).executeTakeFirst()))
        throw fail('OFFICE_NOT_FOUND', `No office ${officeId}`);
      const changes = await fanoutForOffice(app.db, officeId, { limit: request.query.limit });
      return { officeId, changes: changes.map((c) => toChangeFanoutResource(c, viewer)) };
    },
  );

  app.get(
    '/changes/:seq/posts',
    {
      schema: {
        summary: 'What the fan-out made of one status change: pending, composed into posts, unchanged, or none',
        tags: ['accounts'],
        description: "A ChangeFanout for its account's managers and admins, a PublicChangeFanout for everybody else.",
        params: z.object({
          seq: z
            .string()
            .regex(/^\d{1,18}$/, 'a change cursor')
            .describe("The change's cursor in GET /changes"),
        }),
        response: { 200: anyChangeFanout, ...reads },
      },
    },
    async (request, reply) => {
      const viewer = await viewerOf(request, reply);
      const change = await postsForChange(app.db, request.params.seq);
      if (!change) throw fail('CHANGE_NOT_FOUND', `No change ${request.params.seq}`);
      return toChangeFanoutResource(change, viewer);
    },
  );

  app.get(
    '/delivery',
    {
      schema: {
        summary:
          'Delivery to X as a whole: paused or not, the app budget, what waits, what failed, which accounts have errors',
        description:
          'DeliveryHealth for managers and admins, PublicDeliveryHealth (without the pause reason) for everybody else.',
        tags: ['accounts'],
        response: {
          200: z.union([deliverySchema, publicDeliverySchema]),
          400: problemSchema,
          401: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) =>
      toDeliveryResource(
        await deliveryHealth(app.db, { user: userBudget, app: appBudget }),
        await viewerOf(request, reply),
      ),
  );

  // --- admin ---

  app.put(
    '/admin/accounts/:accountId',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary:
          'Create an account, or replace its settings (admin): settings left out take their defaults, except xUserId, which is kept. Pause state and credentials are not touched',
        tags: ['accounts'],
        security,
        params: z.object({ accountId }),
        body: putBody,
        response: { 200: accountSchema, 201: accountSchema, 400: problemSchema, ...refusals, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { accountId: id } = request.params;
      const b = request.body;
      const settings: AccountSettingsPatch & { name: string; handle: string } = {
        name: b.name,
        handle: b.handle,
        ...(b.xUserId !== undefined ? { xUserId: b.xUserId } : {}),
        languages: b.languages ?? ['en'],
        postingWindow: b.postingWindow ?? { start: '08:00', end: '23:00' },
        includeLinks: b.includeLinks ?? false,
        link: b.link ?? null,
        allowUrgent: b.allowUrgent ?? false,
        coalesceSeconds: b.coalesceSeconds ?? null,
        autoReplies: b.autoReplies ?? true,
        signpostReplies: b.signpostReplies ?? false,
      };
      const exists = await app.db.selectFrom('clusters').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) {
        const created = await accountWrite(id, async () => {
          const result = await createAccount(app.db, { id, ...settings }, actor, readOptions);
          // Created meanwhile by another request: replace its settings instead.
          return result.outcome === 'exists' ? updateAccount(app.db, id, settings, actor, readOptions) : result;
        });
        return reply.code(201).header('location', `/accounts/${id}`).send(toAccountResource(created, 'privileged'));
      }
      return toAccountResource(
        await accountWrite(id, () => updateAccount(app.db, id, settings, actor, readOptions)),
        'privileged',
      );
    },
  );

  app.patch(
    '/admin/accounts/:accountId',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary: "Change some of an account's settings (admin)",
        tags: ['accounts'],
        security,
        params: z.object({ accountId }),
        body: patchBody,
        response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { accountId: id } = request.params;
      const patch = Object.fromEntries(
        Object.entries(request.body).filter(([, v]) => v !== undefined),
      ) as AccountSettingsPatch;
      return toAccountResource(
        await accountWrite(id, () => updateAccount(app.db, id, patch, actor, readOptions)),
        'privileged',
      );
    },
  );

  app.put(
    '/admin/accounts/:accountId/credentials',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary:
          "Store an account's X tokens, encrypted (admin). X is asked first whose they are: they must belong to the account's handle",
        description:
          "The tokens are never shown again, logged or audited; the answer is the account, with hasCredentials. X refusing them is a 422, X unreachable a 503 (nothing is stored either way). The X user id X gives becomes the account's. " +
          "They are sealed for this account only (a copy on another account does not open). A database is bound to one kind of X on first use: real credentials are refused (409) in a database of the X emulator, and the emulator's in one of a real X.",
        tags: ['accounts'],
        security,
        params: z.object({ accountId }),
        body: credentialsBody,
        response: {
          200: accountSchema,
          400: problemSchema,
          ...refusals,
          404: problemSchema,
          409: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      if (!fanout) throw fail('CREDENTIALS_STORAGE_NOT_CONFIGURED', 'credentials storage is not configured');
      const { accountId: id } = request.params;
      const account = await getAccount(app.db, id, readOptions);
      if (!account) throw notFound(id);
      const tokens = { accessToken: request.body.accessToken, accessSecret: request.body.accessSecret };
      let xUser: string;
      if (fanout.verifyAccount) {
        let me: { id: string; username: string };
        try {
          me = await fanout.verifyAccount(tokens);
        } catch (error) {
          if (isRejection(error)) throw fail('X_REJECTED_CREDENTIALS', 'X rejected these credentials');
          // Only the kind of failure: the error may carry the signed request.
          request.log.warn(
            { accountId: id, failure: error instanceof Error ? error.name : typeof error },
            'X could not verify account credentials',
          );
          throw fail(
            'X_UNAVAILABLE',
            'X could not be reached to verify these credentials; nothing was stored. Try again shortly',
          );
        }
        // X's answer is outside text too: an id or username that breaks X's rules is neither stored nor repeated.
        if (!xUserId.safeParse(me.id).success || !isXUsername(me.username)) {
          request.log.warn(
            { accountId: id },
            'X answered users/me with an id or username that is not valid; nothing stored',
          );
          throw fail(
            'X_UNEXPECTED_ANSWER',
            'X did not answer with a valid X user (id and username) for these credentials; nothing was stored',
          );
        }
        if (me.username.toLowerCase() !== account.handle.toLowerCase()) {
          throw fail(
            'CREDENTIALS_FOR_ANOTHER_ACCOUNT',
            `These credentials belong to @${me.username}, not @${account.handle}`,
          );
        }
        if (request.body.xUserId !== undefined && request.body.xUserId !== me.id) {
          throw fail(
            'X_USER_ID_MISMATCH',
            `X says these credentials belong to user ${me.id}, not ${request.body.xUserId}`,
          );
        }
        xUser = me.id;
      } else {
        if (request.body.xUserId === undefined) {
          throw fail(
            'X_USER_ID_REQUIRED',
            'xUserId is required: the service cannot ask X whose these credentials are',
            { errors: [{ path: '/xUserId', message: 'required' }] },
          );
        }
        xUser = request.body.xUserId;
      }
      const sealed = sealAccountTokens(tokens, fanout.credentialsKey, id);
      try {
        if (!(await setAccountCredentials(app.db, id, { sealed, xUserId: xUser, target: fanout.xTarget }, actor)))
          throw notFound(id);
      } catch (error) {
        if (error instanceof XBindingConflict) throw fail('X_BINDING_CONFLICT', `Nothing was stored: ${error.message}`);
        throw error;
      }
      return loadAccount(id);
    },
  );

  app.delete(
    '/admin/accounts/:accountId/credentials',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary: "Remove an account's stored X tokens (admin): it posts nothing until new ones are stored",
        tags: ['accounts'],
        security,
        params: z.object({ accountId }),
        response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema },
      },
    },
    async (request) => {
      const { accountId: id } = request.params;
      if (!(await clearAccountCredentials(app.db, id, actorOf(request)))) throw notFound(id);
      return loadAccount(id);
    },
  );

  app.post(
    '/admin/accounts/:accountId/pause',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary: 'Pause one account (admin): its posts wait, nothing is lost',
        tags: ['accounts'],
        security,
        params: z.object({ accountId }),
        body: reasonBody,
        response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema },
      },
    },
    async (request) => {
      const { accountId: id } = request.params;
      if (!(await pauseAccount(app.db, id, request.body?.reason ?? null, actorOf(request)))) throw notFound(id);
      return loadAccount(id);
    },
  );

  app.post(
    '/admin/accounts/:accountId/resume',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary: 'Resume one account (admin): what waited is delivered',
        tags: ['accounts'],
        security,
        params: z.object({ accountId }),
        body: emptyBody,
        response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema },
      },
    },
    async (request) => {
      const { accountId: id } = request.params;
      if (!(await resumeAccount(app.db, id, actorOf(request)))) throw notFound(id);
      return loadAccount(id);
    },
  );

  app.post(
    '/admin/delivery/pause',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary: 'Pause delivery for every account at once (admin): posts wait, nothing is lost',
        tags: ['accounts'],
        security,
        body: reasonBody,
        response: { 200: deliverySchema, 400: problemSchema, ...refusals },
      },
    },
    async (request) => {
      await pauseAll(app.db, request.body?.reason ?? null, actorOf(request));
      return toDeliveryResource(await deliveryHealth(app.db, { user: userBudget, app: appBudget }), ADMIN_VIEW);
    },
  );

  app.post(
    '/admin/delivery/resume',
    {
      preHandler: requireRole('admin'),
      schema: {
        summary: 'Resume delivery for every account (admin); accounts paused one by one stay paused',
        tags: ['accounts'],
        security,
        body: emptyBody,
        response: { 200: deliverySchema, 400: problemSchema, ...refusals },
      },
    },
    async (request) => {
      await resumeAll(app.db, actorOf(request));
      return toDeliveryResource(await deliveryHealth(app.db, { user: userBudget, app: appBudget }), ADMIN_VIEW);
    },
  );
};

export default accounts;
