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
  type XTarget,
} from '@jcp/db';
import {
  DEFAULT_APP_POST_BUDGET,
  DEFAULT_USER_POST_BUDGET,
  isXUsername,
  type AppBudgetRule,
  type BudgetRule,
} from '@jcp/domain';
import { sealAccountTokens, type CredentialsKeys } from '@jcp/x-client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import { requireRole, type Principal } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { officeIdSchema } from '../../views.js';
import { viewerOf } from '../../visibility.js';
import {
  accountId,
  accountSchema,
  anyAccount,
  anyChangeFanout,
  credentialsBody,
  deliverySchema,
  emptyBody,
  patchBody,
  postSchema,
  publicDeliverySchema,
  publicPostSchema,
  putBody,
  reasonBody,
  xUserId,
} from './schemas.js';
import { ADMIN_VIEW, toAccountResource, toChangeFanoutResource, toDeliveryResource, toPostList } from './views.js';

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
