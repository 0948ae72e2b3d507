// The audit of the bot (every mention: what it understood, what it decided, what it
// replied) and the live team's inbox (everything a person should answer). Mentions are
// citizens' words, already redacted of personal data: managers see their own accounts'
// mentions, admins all; readers none.
import {
  clustersCovered,
  getMention,
  ingestState,
  listMentions,
  setInboxState,
  type MentionFilter,
  type MentionView,
} from '@jcp/db';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fail } from '@jcp/use-cases';
import { requireRole, type Principal } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { iso } from '../../views.js';
import { accountId, decisions, ingestSchema, mentionId, mentionSchema, pageSchema } from './schemas.js';
import { decodeCursor, encodeCursor, toResource } from './views.js';
import { performWrite, writeHeaders } from '../../writes.js';

const security = [{ bearer: [] }];
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 503: problemSchema };

function principalOf(request: FastifyRequest): Principal {
  const principal: Principal | null = request.principal;
  if (!principal) throw fail('AUTHENTICATION_REQUIRED', 'A bearer token is required');
  return principal;
}

const mentionRoutes: FastifyPluginAsyncZod = async (app) => {
  // Citizens' words and the live team's notes: for the caller alone, never for a cache.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-store').header('vary', 'authorization');
  });

  /** The accounts the caller may see: undefined for an admin (all). */
  async function scopeOf(request: FastifyRequest): Promise<string[] | undefined> {
    const p = principalOf(request);
    return p.role === 'admin' ? undefined : clustersCovered(app.db, p);
  }

  async function page(
    request: FastifyRequest,
    filter: Omit<MentionFilter, 'clusterIds' | 'limit' | 'before'>,
    query: { limit: number; cursor?: string | undefined },
  ) {
    const clusterIds = await scopeOf(request);
    const limit = query.limit;
    const items = await listMentions(app.db, {
      ...filter,
      clusterIds,
      limit: limit + 1,
      ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
    });
    const more = items.length > limit;
    const shown = items.slice(0, limit);
    return {
      items: shown.map(toResource),
      nextCursor: more && shown.length > 0 ? encodeCursor(shown[shown.length - 1]!) : null,
    };
  }

  async function visible(request: FastifyRequest, id: string): Promise<MentionView> {
    const mention = await getMention(app.db, id);
    const scope = await scopeOf(request);
    // Another account's mention is as good as absent to a manager.
    if (!mention || (scope && !scope.includes(mention.account))) throw fail('MENTION_NOT_FOUND', `No mention ${id}`);
    return mention;
  }

  const listQuery = {
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    account: accountId.optional(),
  };

  app.get(
    '/mentions',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary:
          'Every mention the bot read, newest first: what it understood, what it decided and what it replied (manager: own accounts)',
        tags: ['mentions'],
        security,
        querystring: z.object({ ...listQuery, decision: z.enum(decisions).optional() }).strict(),
        response: { 200: pageSchema, ...errors },
      },
    },
    async (request) => {
      const { decision, account, ...q } = request.query;
      return page(request, { account, decision }, q);
    },
  );

  app.get(
    '/mentions/:mentionId',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'One mention: its classification, matched offices, decision and reply',
        tags: ['mentions'],
        security,
        params: z.object({ mentionId }),
        response: { 200: mentionSchema, ...errors, 404: problemSchema },
      },
    },
    async (request) => toResource(await visible(request, request.params.mentionId)),
  );

  app.get(
    '/mention-ingest',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary: 'How mention reading is going: who reads, when last and next, and the last error',
        tags: ['mentions'],
        security,
        response: { 200: ingestSchema, ...errors },
      },
    },
    async () => {
      const s = await ingestState(app.db);
      return {
        holder: s.holder,
        heldSince: iso(s.heldSince),
        lastPollAt: iso(s.lastPollAt),
        lastSuccessAt: iso(s.lastSuccessAt),
        nextPollAt: iso(s.nextPollAt),
        blockedUntil: iso(s.blockedUntil),
        intervalSeconds: s.intervalSeconds,
        lastError: s.lastError,
        consecutiveFailures: s.consecutiveFailures,
      };
    },
  );

  app.get(
    '/inbox',
    {
      preHandler: requireRole('manager'),
      schema: {
        summary:
          'Mentions a person should answer (benefit queries, complaints, questions the bot did not answer), newest first',
        tags: ['mentions'],
        security,
        querystring: z.object({ ...listQuery, state: z.enum(['open', 'handled', 'all']).default('open') }).strict(),
        response: { 200: pageSchema, ...errors },
      },
    },
    async (request) => {
      const { state, account, ...q } = request.query;
      return page(request, { account, inboxOnly: true, ...(state === 'all' ? {} : { inboxState: state }) }, q);
    },
  );

  const noteBody = z
    .object({ note: z.string().trim().min(1).max(1000).optional().describe('What was done (no personal data)') })
    .strict()
    .nullish();

  for (const [action, state] of [
    ['handled', 'handled'],
    ['reopen', 'open'],
  ] as const) {
    app.post(
      `/inbox/:mentionId/${action}`,
      {
        preHandler: requireRole('manager'),
        schema: {
          summary:
            action === 'handled' ? 'Mark an inbox mention handled' : 'Put a handled mention back in the open inbox',
          tags: ['mentions'],
          security,
          params: z.object({ mentionId }),
          headers: writeHeaders,
          body: noteBody,
          response: { 200: mentionSchema, ...errors, 404: problemSchema, 409: problemSchema, 422: problemSchema },
        },
      },
      async (request, reply) => {
        const id = request.params.mentionId;
        await visible(request, id);
        return performWrite(app, request, reply, async ({ trx, principal }) => {
          const updated = await setInboxState(trx, id, state, principal.actor, request.body?.note ?? null);
          if (!updated) throw fail('NOT_IN_INBOX', `Mention ${id} is not in the inbox`);
          return { statusCode: 200, body: toResource(updated) };
        });
      },
    );
  }
};

export default mentionRoutes;
