import { Writable } from 'node:stream';
import type { AppBudgetRule } from '@jcp/domain';
import { createLogger, type Logger } from '@jcp/log';
import { EMULATOR_APP } from '@jcp/use-cases';
import { createMentionIngester, type IngesterOptions, type MentionIngester } from '@jcp/worker';
import type { Teardown } from '@jcp/testing';
import { fanoutFixture, type EmulatorPost } from '../fanout/fixture.js';

export interface Citizen {
  id: string;
  username: string;
}

let nextCitizen = 7_000_000_001n;
/** A citizen with a fresh X id. */
export function citizen(username = `citizen${String(nextCitizen).slice(-4)}`): Citizen {
  nextCitizen += 1n;
  return { id: nextCitizen.toString(), username };
}

/**
 * The mentions' world: the fan-out fixture (database, API, emulator on a real port,
 * accounts provisioned, a dispatcher factory) and an ingester factory reading the
 * emulator through the real client. Neither is started: tests run cycles themselves.
 */
export async function mentionsFixture(
  t: Teardown,
  options: { accounts?: readonly string[]; ingester?: Partial<IngesterOptions>; appBudget?: AppBudgetRule } = {},
) {
  const ingesters: MentionIngester[] = [];
  t.teardown(async () => {
    for (const i of ingesters) await i.stop();
  });
  const f = await fanoutFixture(t, {
    ...(options.accounts ? { accounts: options.accounts } : {}),
    ...(options.appBudget ? { appBudget: options.appBudget } : {}),
  });
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'json' });
  const newIngester = (overrides: Partial<IngesterOptions> = {}) => {
    const ingester = createMentionIngester({
      database: f.database,
      logger,
      x: { baseUrl: f.baseUrl, ...EMULATOR_APP, timeoutMs: 1_000 },
      credentialsKey: f.credentialsKey,
      optOutKey: f.optOutKey,
      intervals: { activeMs: 200, quietMs: 200 },
      searchBudget: { limit: 1_000_000, windowMs: 15 * 60_000 },
      lockRetryMs: 100,
      ...options.ingester,
      ...overrides,
    });
    ingesters.push(ingester);
    return ingester;
  };
  /** A citizen's post mentioning `to` (a handle) on the emulator; returns its X id. */
  const mention = async (
    to: string,
    from: Citizen,
    text: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> => {
    const body = (await f.control('POST', '/_control/mentions', { to, from, text, ...extra })) as {
      data: { id: string };
    };
    return body.data.id;
  };
  /** Posts by `handle` that reply to something (its replies to citizens). */
  const repliesBy = async (handle: string): Promise<EmulatorPost[]> =>
    (await f.posts(handle)).filter((p) => p.inReplyToTweetId !== null);
  return { ...f, newIngester, mention, repliesBy };
}

/** A logger at trace level that keeps every line it writes. */
export function captureLogger(lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return createLogger({ level: 'trace', format: 'json', name: 'test' }, stream);
}
