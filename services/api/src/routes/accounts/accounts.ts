// The accounts as anybody reads them: their settings (never credentials) and delivery health.
import { readAccount, readAccounts, type AccountDeps } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema } from '../../schemas.js';
import { viewerOf } from '../../visibility.js';
import { accountId, anyAccount, reads } from './schemas.js';
import { toAccountResource } from './views.js';

export function accountReadRoutes(deps: AccountDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/accounts',
      {
        schema: {
          summary: 'The X accounts: settings (never credentials) and delivery health',
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
        const list = await readAccounts(deps);
        return { accounts: list.map((a) => toAccountResource(a, viewer.of(a.id))), count: list.length };
      },
    );

    app.get(
      '/accounts/:accountId',
      {
        schema: {
          summary: 'One X account: settings (never credentials) and delivery health',
          tags: ['accounts'],
          description: `An Account for its managers and admins, a PublicAccount for everybody else.`,
          params: z.object({ accountId }),
          response: { 200: anyAccount, ...reads },
        },
      },
      async (request, reply) => {
        const viewer = await viewerOf(request, reply);
        const account = await readAccount(deps, request.params.accountId);
        return toAccountResource(account, viewer.of(account.id));
      },
    );
  };
}
