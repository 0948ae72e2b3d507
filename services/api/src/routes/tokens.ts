// API tokens (admin): issue, list, read, revoke.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  issueApiToken,
  readApiToken,
  readApiTokens,
  revokeApiToken,
  type ApiToken,
  type TokenSummary,
} from '@jcp/use-cases';
import { performWrite, writeHeaders } from '../writes.js';
import { caller, scope } from '../plugins/auth.js';
import { problemSchema } from '../schemas.js';
import { iso } from '../views.js';

const ROLES = ['reader', 'manager', 'admin'] as const satisfies readonly ApiToken['role'][];

const tokenId = z.uuid().describe('Token id');
const districtCode = z.string().min(1).max(16).describe('District code, e.g. 105');
const accountId = z.string().min(1).max(64).describe('Account id, e.g. district-105');

const newTokenBody = z
  .object({
    // No control or format characters (the input-text plugin refuses them in every field): the name is part of the actor the audit log records.
    name: z.string().trim().min(1).max(100).describe('Who or what holds the token'),
    role: z.enum(ROLES),
    districtCodes: z
      .array(districtCode)
      .max(100)
      .optional()
      .describe('Manager only: the districts whose offices it may act on'),
    accountIds: z
      .array(accountId)
      .max(100)
      .optional()
      .describe('Manager only: the accounts whose offices it may act on'),
  })
  .strict()
  .meta({ id: 'NewApiToken' });

const tokenFields = {
  id: tokenId,
  name: z.string(),
  role: z.enum(ROLES),
  districtCodes: z.array(z.string()),
  accountIds: z.array(z.string()),
  createdAt: z.iso.datetime(),
  createdBy: z.string().describe('The actor who issued it'),
};

const tokenSchema = z
  .object({
    ...tokenFields,
    lastUsedAt: z.iso.datetime().nullable().describe('Last successful authentication (recorded at most once a minute)'),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiToken' });

const issuedTokenSchema = z
  .object({
    ...tokenFields,
    token: z
      .string()
      .nullable()
      .describe(
        'The bearer secret: shown here once, never again (only its hash is stored). Null when this answer is an Idempotency-Key replay: the secret is not kept even for that; if it was lost, revoke the token and issue another',
      ),
  })
  .meta({ id: 'IssuedApiToken' });

const tokenListSchema = z
  .object({ tokens: z.array(tokenSchema), count: z.number().int() })
  .meta({ id: 'ApiTokenList' });

function toTokenResource(t: TokenSummary): z.infer<typeof tokenSchema> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    districtCodes: t.district_codes,
    accountIds: t.account_ids,
    createdAt: t.created_at.toISOString(),
    createdBy: t.created_by,
    lastUsedAt: iso(t.last_used_at),
    revokedAt: iso(t.revoked_at),
  };
}

function toIssuedResource(t: ApiToken, secret: string | null): z.infer<typeof issuedTokenSchema> {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    districtCodes: t.district_codes,
    accountIds: t.account_ids,
    createdAt: t.created_at.toISOString(),
    createdBy: t.created_by,
    token: secret,
  };
}

const security = [{ bearer: [] }];
const refusals = { 401: problemSchema, 403: problemSchema, 503: problemSchema };

const adminTokens: FastifyPluginAsyncZod = async (app) => {
  // Token listings and secrets are never cached by browsers or proxies.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.post(
    '/admin/tokens',
    {
      schema: {
        summary:
          'Issue an API token (admin). The secret is in this answer only. A manager needs at least one district or account, all of which must exist; readers and admins take none',
        tags: ['admin'],
        security,
        headers: writeHeaders,
        body: newTokenBody,
        response: { 201: issuedTokenSchema, 400: problemSchema, ...refusals, 422: problemSchema },
      },
    },
    async (request, reply) =>
      performWrite(app, request, reply, async ({ trx }) => {
        const { token, record } = await issueApiToken({ db: trx }, caller(request), request.body);
        return {
          statusCode: 201,
          body: toIssuedResource(record, token),
          replayBody: toIssuedResource(record, null),
          headers: { location: `/admin/tokens/${record.id}` },
        };
      }),
  );

  app.get(
    '/admin/tokens',
    {
      schema: {
        summary:
          'List API tokens, newest first (admin); never their secrets. Revoked tokens only with includeRevoked=true',
        tags: ['admin'],
        security,
        querystring: z.object({
          includeRevoked: z.enum(['true', 'false']).default('false').describe('Also list revoked tokens'),
        }),
        response: { 200: tokenListSchema, 400: problemSchema, ...refusals },
      },
    },
    async (request) => {
      const tokens = await readApiTokens({ db: app.db }, { includeRevoked: request.query.includeRevoked === 'true' });
      return { tokens: tokens.map(toTokenResource), count: tokens.length };
    },
  );

  app.get(
    '/admin/tokens/:tokenId',
    {
      schema: {
        summary: 'One API token (admin), revoked or not; never its secret',
        tags: ['admin'],
        security,
        params: z.object({ tokenId }),
        response: { 200: tokenSchema, 400: problemSchema, ...refusals, 404: problemSchema },
      },
    },
    async (request) => {
      return toTokenResource(await readApiToken({ db: app.db }, request.params.tokenId));
    },
  );

  app.delete(
    '/admin/tokens/:tokenId',
    {
      schema: {
        summary:
          'Revoke an API token (admin); it stops working at once. Revoking a revoked token is a 204 again. ' +
          'An admin may revoke the token it is using, but the last live admin token is refused with 409 so that nobody locks every admin out ' +
          '(issue another admin token first; pnpm create-token always can)',
        tags: ['admin'],
        security,
        params: z.object({ tokenId }),
        response: {
          204: z.null().describe('Revoked (or already revoked)'),
          400: problemSchema,
          ...refusals,
          404: problemSchema,
          409: problemSchema,
        },
      },
    },
    async (request, reply) => {
      await revokeApiToken({ db: app.db }, caller(request), request.params.tokenId);
      return reply.code(204).send(null);
    },
  );
};

// Every route here is an admin's.
export default scope('admin', adminTokens);
