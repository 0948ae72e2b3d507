// The X emulator in the process of `pnpm start`, with every account given an identity on it.
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '@jcp/config';
import { appendAudit, bindX, type Database } from '@jcp/db';
import type { Logger } from '@jcp/log';
import type { EmbeddedX } from '@jcp/serve';
import { EMULATOR_APP, FanoutConfigError } from '@jcp/use-cases';
import { buildEmulator } from '@jcp/x-emulator';
import { openAccountTokens, sealAccountTokens, type AccountTokens, type CredentialsKeys } from '@jcp/x-client';
import type { FastifyInstance } from 'fastify';

/**
 * Gives accounts an identity on an X emulator: accounts without credentials get
 * generated tokens (stored encrypted, like real ones) and an X user id; accounts with
 * stored tokens are registered with the same tokens, because the emulator forgets
 * everything when it stops. `only` limits it to some accounts.
 *
 * The database is bound to the emulator first, in the transaction that writes the
 * identities: a database bound to a real X, or holding any X credentials or user id the
 * emulator did not write, is refused with XBindingConflict and nothing is written.
 */
export async function provisionEmulatorAccounts(
  database: Database,
  emulator: FastifyInstance,
  credentialsKey: CredentialsKeys,
  options: { logger?: Logger; only?: readonly string[] } = {},
): Promise<number> {
  const accounts = await database.db.transaction().execute(async (trx) => {
    await bindX(trx, { kind: 'emulator' }, 'system:x-emulator');
    let query = trx
      .selectFrom('accounts')
      .select(['id', 'name', 'handle', 'x_user_id', 'credentials_encrypted'])
      .orderBy('id')
      .forNoKeyUpdate();
    if (options.only) query = query.where('id', 'in', options.only.length ? options.only : ['']);
    const ready: { id: string; name: string; handle: string; xUserId: string; tokens: AccountTokens }[] = [];
    for (const account of await query.execute()) {
      // A stable, X-like (snowflake-sized) id derived from the account id.
      const xUserId =
        account.x_user_id ??
        (BigInt(`0x${createHash('sha256').update(account.id).digest('hex').slice(0, 15)}`) + 1_000_000_000n).toString();
      if (account.credentials_encrypted) {
        try {
          ready.push({
            ...account,
            xUserId,
            tokens: openAccountTokens(
              Buffer.from(account.credentials_encrypted).toString('utf8'),
              credentialsKey,
              account.id,
            ),
          });
        } catch {
          options.logger?.warn(
            { account: account.handle },
            'stored X tokens do not open for this account with this credentials key; the account is left as it is',
          );
        }
        continue;
      }
      const tokens = {
        accessToken: `${xUserId}-${randomBytes(12).toString('hex')}`,
        accessSecret: randomBytes(24).toString('base64url'),
      };
      const sealed = Buffer.from(sealAccountTokens(tokens, credentialsKey, account.id));
      await trx
        .updateTable('accounts')
        .set({ x_user_id: xUserId, credentials_encrypted: sealed, updated_at: new Date() })
        .where('id', '=', account.id)
        .execute();
      // Audited as the emulator's, so that nobody mistakes them for real X tokens.
      await appendAudit(trx, [
        {
          actor: 'system:x-emulator',
          action: 'account.credentials_set',
          entityType: 'account',
          entityId: account.id,
          after: { source: 'x-emulator', xUserId },
        },
      ]);
      ready.push({ ...account, xUserId, tokens });
    }
    return ready;
  });
  for (const account of accounts) {
    const response = await emulator.inject({
      method: 'POST',
      url: '/_control/accounts',
      payload: {
        id: account.xUserId,
        username: account.handle,
        name: account.name,
        accessToken: account.tokens.accessToken,
        accessTokenSecret: account.tokens.accessSecret,
      },
    });
    if (response.statusCode !== 201)
      throw new Error(`the X emulator refused account ${account.handle}: ${response.body}`);
  }
  return accounts.length;
}

/** Runs the X emulator in this process, with every account on it. */
export async function startEmbeddedX(
  config: Config,
  database: Database,
  credentialsKey: CredentialsKeys,
  logger: Logger,
): Promise<EmbeddedX> {
  if (config.NODE_ENV === 'production')
    throw new FanoutConfigError('the X emulator never runs in production (NODE_ENV=production): set X_API_BASE_URL');
  const emulator = buildEmulator({ consumerKey: EMULATOR_APP.appKey, consumerSecret: EMULATOR_APP.appSecret });
  // The accounts first: on a database that is not the emulator's, nothing is written and
  // nothing listens.
  let accounts: number;
  try {
    accounts = await provisionEmulatorAccounts(database, emulator, credentialsKey, { logger });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  await emulator.listen({ host: '127.0.0.1', port: config.X_EMULATOR_PORT });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : config.X_EMULATOR_PORT;
  const baseUrl = `http://127.0.0.1:${port}`;
  logger.info({ url: baseUrl, accounts }, 'X emulator running; see posts at /_control/posts?account=<handle>');
  return { baseUrl, accounts, close: () => emulator.close() };
}
