import { randomBytes } from 'node:crypto';
import type { AppOptions } from '@jcp/api';
import { londonParts, type AppBudgetRule } from '@jcp/domain';
import { createLogger } from '@jcp/log';
import { provisionEmulatorAccounts } from '@jcp/start';
import { EMULATOR_APP } from '@jcp/use-cases';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '@jcp/worker';
import { buildEmulator } from '@jcp/x-emulator';
import type { FastifyInstance } from 'fastify';
import type { Teardown } from '@jcp/testing';
import { apiFixture } from '../api/fixture.js';

export interface EmulatorPost {
  id: string;
  text: string;
  authorId: string;
  username: string;
  inReplyToTweetId: string | null;
  conversationId: string;
}

/** The Cumbria and Lancashire account (district 105) and two of its offices. */
export const CUMBRIA = 'district-105';
export const CARLISLE = 'carlisle-8504';

/**
 * The fan-out's world: the API fixture (an isolated database with the register and
 * tokens), an X emulator on a real port, the given accounts provisioned on it (tokens
 * stored encrypted), and a dispatcher (not started) that posts to it over HTTP with the
 * real twitter-api-v2 client. The X webhook is configured with the emulator app's secret
 * (X signs with the app's consumer secret), unless `mentions` says otherwise. `appBudget`
 * is the app's post budget for both the dispatchers and the API's figures.
 */
export async function fanoutFixture(
  t: Teardown,
  options: {
    accounts?: readonly string[];
    dispatcher?: Partial<DispatcherOptions>;
    mentions?: AppOptions['mentions'];
    appBudget?: AppBudgetRule;
  } = {},
) {
  const dispatchers: Dispatcher[] = [];
  // Registered first, so that it runs before the database closes (teardowns run in order).
  t.teardown(async () => {
    for (const d of dispatchers) await d.stop();
  });
  const credentialsKey = randomBytes(32);
  const api = await apiFixture(t, {
    fanout: {
      credentialsKey,
      xTarget: { kind: 'emulator' },
      coalesceSeconds: options.dispatcher?.coalesceSeconds ?? 0,
      ...(options.appBudget ? { appBudget: options.appBudget } : {}),
    },
    mentions: options.mentions ?? { appSecret: EMULATOR_APP.appSecret },
  });
  const emulator: FastifyInstance = buildEmulator({
    consumerKey: EMULATOR_APP.appKey,
    consumerSecret: EMULATOR_APP.appSecret,
  });
  await emulator.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => emulator.close());
  const address = emulator.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await provisionEmulatorAccounts(
    api.database,
    emulator,
    credentialsKey,
    options.accounts ? { only: options.accounts } : {},
  );
  // Open all day, so that tests pass at any hour; the window tests shut it themselves.
  await api.database.db
    .updateTable('accounts')
    .set({ posting_window_start: '00:00', posting_window_end: '23:59:59' })
    .execute();
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });
  const newDispatcher = (overrides: Partial<DispatcherOptions> = {}) => {
    const dispatcher = createDispatcher({
      database: api.database,
      logger,
      x: { baseUrl, ...EMULATOR_APP, timeoutMs: 1_000 },
      credentialsKey,
      coalesceSeconds: 0,
      concurrency: 8,
      leaseMs: 3_000,
      pollMs: 100,
      userBudget: { limit: 100, windowMs: 15 * 60_000 },
      appBudget: options.appBudget ?? { limit: 10_000, windowMs: 24 * 60 * 60_000 },
      // No jitter wait in tests: a retry after a fault goes at once.
      random: () => 0,
      ...options.dispatcher,
      ...overrides,
    });
    dispatchers.push(dispatcher);
    return dispatcher;
  };
  const control = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const response = await emulator.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.json<Record<string, unknown>>();
  };
  const posts = async (account?: string): Promise<EmulatorPost[]> =>
    ((await control('GET', `/_control/posts${account ? `?account=${account}` : ''}`)) as { posts: EmulatorPost[] })
      .posts;

  /** Posts a notice through the API as the admin; returns the answer's body. */
  const notice = async (body: Record<string, unknown>) => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/notices',
      headers: api.bearer(api.admin),
      payload: body,
    });
    if (response.statusCode !== 201) throw new Error(`POST /notices: ${response.statusCode} ${response.body}`);
    return response.json<Record<string, unknown>>();
  };

  const handleOf = async (accountId: string) =>
    (
      await api.database.db
        .selectFrom('accounts')
        .select('handle')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).handle;

  return { ...api, emulator, baseUrl, credentialsKey, newDispatcher, control, posts, notice, handleOf };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A posting window that is shut now (London time) and does not wrap midnight. */
export function shutWindow(now = new Date()): { start: string; end: string } {
  const hour = Number(londonParts(now).time.slice(0, 2));
  return hour >= 2 ? { start: '00:00', end: '01:00' } : { start: '12:00', end: '13:00' };
}
