// Wiring from config: the dispatcher and the mention ingester.
import type { Config } from '@jcp/config';
import { mentionPolicy, postBudgets, type XSettings } from '@jcp/use-cases';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
import { createMentionIngester, type IngesterOptions, type MentionIngester } from './ingester.js';

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
