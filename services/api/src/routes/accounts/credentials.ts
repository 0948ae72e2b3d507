// Admin: an account's X tokens, stored (verified with X first, sealed) or removed. Never shown again.
import {
  removeAccountCredentials,
  storeAccountCredentials,
  type AccountDeps,
  type CredentialsPort,
} from '@jcp/use-cases';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { caller } from '../../plugins/auth.js';
import { problemSchema } from '../../schemas.js';
import { accountId, accountSchema, credentialsBody, refusals, security } from './schemas.js';
import { toAccountResource } from './views.js';

export function credentialsRoutes(
  deps: AccountDeps & { credentials?: CredentialsPort | undefined },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.put(
      '/admin/accounts/:accountId/credentials',
      {
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
      async (request) =>
        toAccountResource(
          await storeAccountCredentials(
            { ...deps, log: request.log },
            caller(request),
            request.params.accountId,
            request.body,
          ),
          'privileged',
        ),
    );

    app.delete(
      '/admin/accounts/:accountId/credentials',
      {
        schema: {
          summary: "Remove an account's stored X tokens (admin): it posts nothing until new ones are stored",
          tags: ['accounts'],
          security,
          params: z.object({ accountId }),
          response: { 200: accountSchema, 400: problemSchema, ...refusals, 404: problemSchema },
        },
      },
      async (request) =>
        toAccountResource(
          await removeAccountCredentials(deps, caller(request), request.params.accountId),
          'privileged',
        ),
    );
  };
}
