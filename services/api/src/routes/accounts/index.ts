// The accounts' routes: reads for anybody (what each caller sees is the visibility's
// decision), and the admin scope (settings, credentials, pause switches).
import type { AppBudgetRule, BudgetRule } from '@jcp/domain';
import type { AccountDeps, CredentialsPort, XTarget } from '@jcp/use-cases';
import { sealAccountTokens, type CredentialsKeys } from '@jcp/x-client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { scope } from '../../plugins/auth.js';
import { accountReadRoutes } from './accounts.js';
import { credentialsRoutes } from './credentials.js';
import { deliveryReadRoutes, deliverySwitchRoutes } from './delivery.js';
import { pauseRoutes } from './pause.js';
import { postRoutes } from './posts.js';
import { settingsRoutes } from './settings.js';

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

/** The port the credentials use case stores through: this service's key, and X to ask. */
function credentialsPort(fanout: FanoutApiOptions): CredentialsPort {
  return {
    seal: (tokens, accountId) => sealAccountTokens(tokens, fanout.credentialsKey, accountId),
    xTarget: fanout.xTarget,
    verify: fanout.verifyAccount,
  };
}

const accounts: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, options) => {
  const fanout = options.fanout;
  const deps: AccountDeps = {
    db: app.db,
    userBudget: fanout?.userBudget,
    appBudget: fanout?.appBudget,
    coalesceSeconds: fanout?.coalesceSeconds,
  };

  // Health changes by the second, and admin answers are nobody's to keep.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', request.url.startsWith('/admin/') ? 'no-store' : 'no-cache');
  });

  await app.register(accountReadRoutes(deps));
  await app.register(postRoutes(deps));
  await app.register(deliveryReadRoutes(deps));
  await app.register(
    scope('admin', async (admin) => {
      await admin.register(settingsRoutes(deps));
      await admin.register(credentialsRoutes({ ...deps, credentials: fanout && credentialsPort(fanout) }));
      await admin.register(pauseRoutes(deps));
      await admin.register(deliverySwitchRoutes(deps));
    }),
  );
};

export default accounts;
