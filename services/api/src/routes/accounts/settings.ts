// Admin: an account's settings, created or replaced whole (PUT) or changed in part (PATCH).
import { patchAccountSettings, putAccountSettings, type AccountDeps } from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { accountId, accountSchema, patchBody, putBody, refusals, security } from './schemas.js';
import { toAccountResource } from './views.js';

export function settingsRoutes(deps: AccountDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.put(
      '/admin/accounts/:accountId',
      {
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
        const { accountId: id } = request.params;
        const { created, account } = await putAccountSettings(deps, caller(request), id, request.body);
        if (!created) return toAccountResource(account, 'privileged');
        return reply.code(201).header('location', `/accounts/${id}`).send(toAccountResource(account, 'privileged'));
      },
    );

    app.patch(
      '/admin/accounts/:accountId',
      {
        schema: {
          summary: "Change some of an account's settings (admin)",
          tags: ['accounts'],
          security,
          params: z.object({ accountId }),
          body: patchBody,
          response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema, 409: problemSchema },
        },
      },
      async (request) =>
        toAccountResource(
          await patchAccountSettings(deps, caller(request), request.params.accountId, request.body),
          'privileged',
        ),
    );
  };
}
