// Admin: one account's pause switch.
import { pauseOneAccount, resumeOneAccount, type AccountDeps } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { accountId, accountSchema, emptyBody, reasonBody, refusals, security } from './schemas.js';
import { toAccountResource } from './views.js';

export function pauseRoutes(deps: AccountDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/admin/accounts/:accountId/pause',
      {
        schema: {
          summary: 'Pause one account (admin): its posts wait, nothing is lost',
          tags: ['accounts'],
          security,
          params: z.object({ accountId }),
          body: reasonBody,
          response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema },
        },
      },
      async (request) =>
        toAccountResource(
          await pauseOneAccount(deps, caller(request), request.params.accountId, request.body?.reason ?? null),
          'privileged',
        ),
    );

    app.post(
      '/admin/accounts/:accountId/resume',
      {
        schema: {
          summary: 'Resume one account (admin): what waited is delivered',
          tags: ['accounts'],
          security,
          params: z.object({ accountId }),
          body: emptyBody,
          response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema },
        },
      },
      async (request) =>
        toAccountResource(await resumeOneAccount(deps, caller(request), request.params.accountId), 'privileged'),
    );
  };
}
