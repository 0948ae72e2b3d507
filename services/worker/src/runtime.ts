// Wiring from config: the credentials key, the X settings, the dispatcher, and the
// embedded X emulator that `pnpm start` runs when no X API is configured.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '@jcp/config';
import {
  appendAudit,
  bindX,
  describeXTarget,
  XBindingConflict,
  type Database,
  type MentionRetention,
  type XTarget,
} from '@jcp/db';
import type { AppBudgetRule, BudgetRule, MentionPolicy } from '@jcp/domain';
import type { Logger } from '@jcp/log';
import type { FastifyInstance } from 'fastify';
import { buildEmulator } from '@jcp/x-emulator';
import {
  credentialsKeyring,
  openAccountTokens,
  parseCredentialsKey,
  sealAccountTokens,
  type AccountTokens,
  type CredentialsKeyring,
  type CredentialsKeys,
} from '@jcp/x-client';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
import { createMentionIngester, type IngesterOptions, type MentionIngester } from './ingester.js';

export class FanoutConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FanoutConfigError';
  }
}

/**
 * The credentials keys: X_CREDENTIALS_KEY seals (or, outside production, a key generated once
 * and kept next to the embedded database, so that `pnpm start` needs no setup and restarts can
 * read what they stored), and X_CREDENTIALS_KEY_PREVIOUS still opens what the key before it
 * sealed, while `pnpm rotate-credentials` seals everything again.
 */
export async function resolveCredentialsKey(config: Config): Promise<CredentialsKeyring> {
  const previous = config.X_CREDENTIALS_KEY_PREVIOUS
    ? [parseKey(config.X_CREDENTIALS_KEY_PREVIOUS, 'X_CREDENTIALS_KEY_PREVIOUS')]
    : [];
  return credentialsKeyring(
    await resolveKey(config, {
      value: config.X_CREDENTIALS_KEY,
      variable: 'X_CREDENTIALS_KEY',
      file: 'x-credentials.key',
    }),
    previous,
  );
}

/** OPT_OUT_HASH_KEY, or outside production a key generated once, as resolveCredentialsKey. */
export async function resolveOptOutKey(config: Config): Promise<Buffer> {
  return resolveKey(config, { value: config.OPT_OUT_HASH_KEY, variable: 'OPT_OUT_HASH_KEY', file: 'opt-out-hash.key' });
}

/** A 32-byte key from base64; the error names the variable, never the value (it is a secret). */
function parseKey(base64: string, variable: string): Buffer {
  try {
    return parseCredentialsKey(base64);
  } catch {
    throw new FanoutConfigError(`${variable} must be 32 bytes encoded as base64`);
  }
}

/** A 32-byte key from its variable, or outside production from a file next to the embedded database, made on first use. */
async function resolveKey(
  config: Config,
  key: { value: string | undefined; variable: string; file: string },
): Promise<Buffer> {
  const parse = (base64: string) => parseKey(base64, key.variable);
  if (key.value) return parse(key.value);
  if (config.NODE_ENV === 'production')
    throw new FanoutConfigError(`${key.variable} is required in production (32 bytes, base64)`);
  const file = join(dirname(config.PGLITE_DATA_DIR), key.file);
  try {
    return parse((await readFile(file, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      // Another process made it first: use theirs.
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return parse((await readFile(file, 'utf8')).trim());
}

/** The emulator's app credentials; not secrets (the emulator is local and in memory). */
export const EMULATOR_APP = { appKey: 'jcp-emulator-app', appSecret: 'jcp-emulator-app-secret' } as const;

export interface XSettings {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  timeoutMs: number;
}

/** The X this process talks to, as the database records it: the embedded emulator, or X_API_BASE_URL. */
export function xTargetOf(config: Config): XTarget {
  return config.X_API_BASE_URL ? { kind: 'x', baseUrl: config.X_API_BASE_URL } : { kind: 'emulator' };
}

/**
 * Binds the database to the real X of X_API_BASE_URL if nothing has bound it yet, so that the
 * emulator never writes its identities into it later. A database bound to the emulator is
 * not refused (reading it harms nothing: X rejects the emulator's tokens, and each account is
 * paused with that reason) but said loudly; real credentials cannot be stored in it.
 */
export async function bindRealX(database: Database, config: Config, logger: Logger, by: string): Promise<void> {
  const target = xTargetOf(config);
  if (target.kind !== 'x') return;
  try {
    await database.db.transaction().execute((trx) => bindX(trx, target, by));
  } catch (error) {
    // A worker may start before the API has applied migration 0008: it binds at its next start.
    if ((error as { code?: unknown }).code === '42P01') {
      logger.warn(
        'the database has no x_binding table yet (migration 0008): not bound to X_API_BASE_URL until the next start',
      );
      return;
    }
    if (!(error instanceof XBindingConflict)) throw error;
    logger.warn(
      { bound: error.binding ? describeXTarget(error.binding) : null },
      `X_API_BASE_URL is set but ${error.message}`,
    );
  }
}

export function xSettings(config: Config, embeddedBaseUrl?: string): XSettings {
  const baseUrl = config.X_API_BASE_URL ?? embeddedBaseUrl;
  if (!baseUrl) throw new FanoutConfigError('X_API_BASE_URL is required (https://api.x.com, or an X emulator)');
  if (!config.X_API_BASE_URL) return { baseUrl, ...EMULATOR_APP, timeoutMs: config.X_REQUEST_TIMEOUT_MS };
  if (!config.X_APP_KEY || !config.X_APP_SECRET)
    throw new FanoutConfigError('X_APP_KEY and X_APP_SECRET are required with X_API_BASE_URL');
  return { baseUrl, appKey: config.X_APP_KEY, appSecret: config.X_APP_SECRET, timeoutMs: config.X_REQUEST_TIMEOUT_MS };
}

export function dispatcherFromConfig(
  config: Config,
  base: Pick<DispatcherOptions, 'database' | 'logger' | 'credentialsKey'> & { x: XSettings },
): Dispatcher {
  return createDispatcher({
    ...base,
    coalesceSeconds: config.FANOUT_COALESCE_SECONDS,
    concurrency: config.FANOUT_CONCURRENCY,
    leaseMs: config.FANOUT_LEASE_MS,
    pollMs: config.FANOUT_POLL_MS,
    replyMaxAgeSeconds: config.MENTION_MAX_AGE_SECONDS,
    ...postBudgets(config),
  });
}

/** The mention policy as configured: max age, the per-user throttle and the conversation limit. */
export function mentionPolicy(config: Config): { policy: MentionPolicy; throttleWindowMs: number } {
  return {
    policy: {
      maxAgeSeconds: config.MENTION_MAX_AGE_SECONDS,
      userReplyLimit: config.MENTION_USER_REPLY_LIMIT,
      conversationReplyLimit: config.MENTION_CONVERSATION_REPLY_LIMIT,
    },
    throttleWindowMs: config.MENTION_USER_REPLY_WINDOW_SECONDS * 1000,
  };
}

/** MENTION_RETENTION_DAYS and MENTION_INBOX_RETENTION_DAYS, as the pruning takes them. */
export function mentionRetention(config: Config): MentionRetention {
  return {
    retentionMs: config.MENTION_RETENTION_DAYS * 86_400_000,
    openInboxMs: config.MENTION_INBOX_RETENTION_DAYS * 86_400_000,
  };
}

export function ingesterFromConfig(
  config: Config,
  base: Pick<IngesterOptions, 'database' | 'logger' | 'credentialsKey' | 'optOutKey' | 'onQueued'> & { x: XSettings },
): MentionIngester {
  return createMentionIngester({
    ...base,
    ...mentionPolicy(config),
    intervals: {
      activeMs: config.MENTION_POLL_ACTIVE_SECONDS * 1000,
      quietMs: config.MENTION_POLL_QUIET_SECONDS * 1000,
    },
    overlapMs: config.MENTION_OVERLAP_SECONDS * 1000,
    searchBudget: { limit: config.X_SEARCH_LIMIT, windowMs: config.X_SEARCH_WINDOW_MS },
  });
}

/** The per-account and per-app budgets for POST /2/tweets, as configured, with replies' share of the app's. */
export function postBudgets(config: Config): { userBudget: BudgetRule; appBudget: AppBudgetRule } {
  return {
    userBudget: { limit: config.X_USER_POST_LIMIT, windowMs: config.X_USER_POST_WINDOW_MS },
    appBudget: {
      limit: config.X_APP_POST_LIMIT,
      windowMs: config.X_APP_POST_WINDOW_MS,
      replyShare: config.X_REPLY_BUDGET_SHARE,
    },
  };
}

export interface EmbeddedX {
  baseUrl: string;
  accounts: number;
  close: () => Promise<void>;
}

/**
 * Gives cluster accounts an identity on an X emulator: accounts without credentials get
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
      .selectFrom('clusters')
      .select(['id', 'name', 'handle', 'x_user_id', 'credentials_encrypted'])
      .orderBy('id')
      .forNoKeyUpdate();
    if (options.only) query = query.where('id', 'in', options.only.length ? options.only : ['']);
    const ready: { id: string; name: string; handle: string; xUserId: string; tokens: AccountTokens }[] = [];
    for (const cluster of await query.execute()) {
      // A stable, X-like (snowflake-sized) id derived from the cluster id.
      const xUserId =
        cluster.x_user_id ??
        (BigInt(`0x${createHash('sha256').update(cluster.id).digest('hex').slice(0, 15)}`) + 1_000_000_000n).toString();
      if (cluster.credentials_encrypted) {
        try {
          ready.push({
            ...cluster,
            xUserId,
            tokens: openAccountTokens(
              Buffer.from(cluster.credentials_encrypted).toString('utf8'),
              credentialsKey,
              cluster.id,
            ),
          });
        } catch {
          options.logger?.warn(
            { account: cluster.handle },
            'stored X tokens do not open for this account with this credentials key; the account is left as it is',
          );
        }
        continue;
      }
      const tokens = {
        accessToken: `${xUserId}-${randomBytes(12).toString('hex')}`,
        accessSecret: randomBytes(24).toString('base64url'),
      };
      const sealed = Buffer.from(sealAccountTokens(tokens, credentialsKey, cluster.id));
      await trx
        .updateTable('clusters')
        .set({ x_user_id: xUserId, credentials_encrypted: sealed, updated_at: new Date() })
        .where('id', '=', cluster.id)
        .execute();
      // Audited as the emulator's, so that nobody mistakes them for real X tokens.
      await appendAudit(trx, [
        {
          actor: 'system:x-emulator',
          action: 'cluster.credentials_set',
          entityType: 'cluster',
          entityId: cluster.id,
          after: { source: 'x-emulator', xUserId },
        },
      ]);
      ready.push({ ...cluster, xUserId, tokens });
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

/** Runs the X emulator in this process, with every cluster account on it. */
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
