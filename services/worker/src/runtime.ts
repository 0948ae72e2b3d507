// Wiring from config: the credentials key, the X settings, the dispatcher, and the
// embedded X emulator that `pnpm start` runs when no X API is configured.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '@jcp/config';
import { appendAudit, type Database, type MentionRetention } from '@jcp/db';
import type { AppBudgetRule, BudgetRule, MentionPolicy } from '@jcp/domain';
import type { Logger } from '@jcp/log';
import type { FastifyInstance } from 'fastify';
import { buildEmulator } from '@jcp/x-emulator';
import { openAccountTokens, parseCredentialsKey, sealAccountTokens } from '@jcp/x-client';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
import { createMentionIngester, type IngesterOptions, type MentionIngester } from './ingester.js';

export class FanoutConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FanoutConfigError';
  }
}

/**
 * X_CREDENTIALS_KEY, or outside production a key generated once and kept next to the
 * embedded database (so that `pnpm start` needs no setup and restarts can read what
 * they stored).
 */
export async function resolveCredentialsKey(config: Config): Promise<Buffer> {
  return resolveKey(config, { value: config.X_CREDENTIALS_KEY, variable: 'X_CREDENTIALS_KEY', file: 'x-credentials.key' });
}

/** OPT_OUT_HASH_KEY, or outside production a key generated once, as resolveCredentialsKey. */
export async function resolveOptOutKey(config: Config): Promise<Buffer> {
  return resolveKey(config, { value: config.OPT_OUT_HASH_KEY, variable: 'OPT_OUT_HASH_KEY', file: 'opt-out-hash.key' });
}

/** A 32-byte key from its variable, or outside production from a file next to the embedded database, made on first use. */
async function resolveKey(config: Config, key: { value: string | undefined; variable: string; file: string }): Promise<Buffer> {
  const parse = (base64: string) => {
    try {
      return parseCredentialsKey(base64);
    } catch {
      // Never the value: it is a secret.
      throw new FanoutConfigError(`${key.variable} must be 32 bytes encoded as base64`);
    }
  };
  if (key.value) return parse(key.value);
  if (config.NODE_ENV === 'production') throw new FanoutConfigError(`${key.variable} is required in production (32 bytes, base64)`);
  const file = join(dirname(config.PGLITE_DATA_DIR), key.file);
  try {
    return parse((await readFile(file, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    // Another process made it first: use theirs.
    if (error.code !== 'EEXIST') throw error;
  });
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

export function xSettings(config: Config, embeddedBaseUrl?: string): XSettings {
  const baseUrl = config.X_API_BASE_URL ?? embeddedBaseUrl;
  if (!baseUrl) throw new FanoutConfigError('X_API_BASE_URL is required (https://api.x.com, or an X emulator)');
  if (!config.X_API_BASE_URL) return { baseUrl, ...EMULATOR_APP, timeoutMs: config.X_REQUEST_TIMEOUT_MS };
  if (!config.X_APP_KEY || !config.X_APP_SECRET) throw new FanoutConfigError('X_APP_KEY and X_APP_SECRET are required with X_API_BASE_URL');
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
    policy: { maxAgeSeconds: config.MENTION_MAX_AGE_SECONDS, userReplyLimit: config.MENTION_USER_REPLY_LIMIT, conversationReplyLimit: config.MENTION_CONVERSATION_REPLY_LIMIT },
    throttleWindowMs: config.MENTION_USER_REPLY_WINDOW_SECONDS * 1000,
  };
}

/** MENTION_RETENTION_DAYS and MENTION_INBOX_RETENTION_DAYS, as the pruning takes them. */
export function mentionRetention(config: Config): MentionRetention {
  return { retentionMs: config.MENTION_RETENTION_DAYS * 86_400_000, openInboxMs: config.MENTION_INBOX_RETENTION_DAYS * 86_400_000 };
}

export function ingesterFromConfig(
  config: Config,
  base: Pick<IngesterOptions, 'database' | 'logger' | 'credentialsKey' | 'optOutKey' | 'onQueued'> & { x: XSettings },
): MentionIngester {
  return createMentionIngester({
    ...base,
    ...mentionPolicy(config),
    intervals: { activeMs: config.MENTION_POLL_ACTIVE_SECONDS * 1000, quietMs: config.MENTION_POLL_QUIET_SECONDS * 1000 },
    overlapMs: config.MENTION_OVERLAP_SECONDS * 1000,
    searchBudget: { limit: config.X_SEARCH_LIMIT, windowMs: config.X_SEARCH_WINDOW_MS },
  });
}

/** The per-account and per-app budgets for POST /2/tweets, as configured, with replies' share of the app's. */
export function postBudgets(config: Config): { userBudget: BudgetRule; appBudget: AppBudgetRule } {
  return {
    userBudget: { limit: config.X_USER_POST_LIMIT, windowMs: config.X_USER_POST_WINDOW_MS },
    appBudget: { limit: config.X_APP_POST_LIMIT, windowMs: config.X_APP_POST_WINDOW_MS, replyShare: config.X_REPLY_BUDGET_SHARE },
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
 */
export async function provisionEmulatorAccounts(database: Database, emulator: FastifyInstance, credentialsKey: Buffer, options: { logger?: Logger; only?: readonly string[] } = {}): Promise<number> {
  let query = database.db.selectFrom('clusters').select(['id', 'name', 'handle', 'x_user_id', 'credentials_encrypted']).orderBy('id');
  if (options.only) query = query.where('id', 'in', options.only.length ? options.only : ['']);
  const clusters = await query.execute();
  let provisioned = 0;
  for (const cluster of clusters) {
    let tokens = null;
    if (cluster.credentials_encrypted) {
      try {
        tokens = openAccountTokens(Buffer.from(cluster.credentials_encrypted).toString('utf8'), credentialsKey);
      } catch {
        options.logger?.warn({ account: cluster.handle }, 'stored X tokens do not open with this credentials key; the account is left as it is');
        continue;
      }
    }
    // A stable, X-like (snowflake-sized) id derived from the cluster id.
    const xUserId = cluster.x_user_id ?? (BigInt(`0x${createHash('sha256').update(cluster.id).digest('hex').slice(0, 15)}`) + 1_000_000_000n).toString();
    if (!tokens) {
      tokens = { accessToken: `${xUserId}-${randomBytes(12).toString('hex')}`, accessSecret: randomBytes(24).toString('base64url') };
      const sealed = Buffer.from(sealAccountTokens(tokens, credentialsKey));
      await database.db.transaction().execute(async (trx) => {
        await trx.updateTable('clusters').set({ x_user_id: xUserId, credentials_encrypted: sealed, updated_at: new Date() }).where('id', '=', cluster.id).execute();
        // Audited as the emulator's, so that nobody mistakes them for real X tokens.
        await appendAudit(trx, [{ actor: 'system:x-emulator', action: 'cluster.credentials_set', entityType: 'cluster', entityId: cluster.id, after: { source: 'x-emulator', xUserId } }]);
      });
    }
    const response = await emulator.inject({
      method: 'POST',
      url: '/_control/accounts',
      payload: { id: xUserId, username: cluster.handle, name: cluster.name, accessToken: tokens.accessToken, accessTokenSecret: tokens.accessSecret },
    });
    if (response.statusCode !== 201) throw new Error(`the X emulator refused account ${cluster.handle}: ${response.body}`);
    provisioned++;
  }
  return provisioned;
}

/** Runs the X emulator in this process, with every cluster account on it. */
export async function startEmbeddedX(config: Config, database: Database, credentialsKey: Buffer, logger: Logger): Promise<EmbeddedX> {
  const emulator = buildEmulator({ consumerKey: EMULATOR_APP.appKey, consumerSecret: EMULATOR_APP.appSecret });
  await emulator.listen({ host: '127.0.0.1', port: config.X_EMULATOR_PORT });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : config.X_EMULATOR_PORT;
  const baseUrl = `http://127.0.0.1:${port}`;
  const accounts = await provisionEmulatorAccounts(database, emulator, credentialsKey, { logger });
  logger.info({ url: baseUrl, accounts }, 'X emulator running; see posts at /_control/posts?account=<handle>');
  return { baseUrl, accounts, close: () => emulator.close() };
}
