// Mention ingestion: the loop. One instance at a time (a session advisory lock) polls X for
// every account's new mentions when the schedule says; what a poll reads, stores and records
// is the use case's (createMentionPoller, packages/use-cases/src/mentions/poll.ts).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LOCKS, type Database } from '@jcp/db';
import type { Logger } from '@jcp/log';
import {
  createMentionPoller,
  msUntilMentionPoll,
  recordMentionReader,
  type CycleResult,
  type MentionPollOptions,
} from '@jcp/use-cases';

export type { CycleResult };

export interface IngesterOptions extends MentionPollOptions {
  database: Database;
  logger: Logger;
  workerId?: string;
  /** How often a standby instance tries to take over (default 5 s). */
  lockRetryMs?: number;
}

export interface MentionIngester {
  readonly workerId: string;
  /** Whether this instance holds the ingest lock. */
  readonly leading: boolean;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  /** One cycle now, whatever the schedule (tests, and an operator's "look now"). Needs no lock. */
  pollNow: () => Promise<CycleResult>;
  /** Looks at the schedule now rather than at the next timer. */
  wake: () => void;
}

export function createMentionIngester(options: IngesterOptions): MentionIngester {
  const { database } = options;
  const db = database.db;
  const log = options.logger.child({ module: 'mentions' });
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const lockRetryMs = options.lockRetryMs ?? 5_000;
  const cycle = createMentionPoller({ db, log }, options);
  let running = false;
  let leading = false;
  let release: (() => Promise<void>) | null = null;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let cycling: Promise<CycleResult> | null = null;

  /** One cycle at a time in this process. */
  const pollNow = (): Promise<CycleResult> => {
    cycling ??= cycle().finally(() => {
      cycling = null;
    });
    return cycling;
  };

  async function sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wakeUp = null;
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (!leading) {
          release = await database.tryLock(LOCKS.mentionIngest.key, () => {
            leading = false;
            release = null;
            log.warn({ workerId }, 'lost the mention ingest lock (its connection failed); trying to take it again');
          });
          if (!release) {
            await sleep(lockRetryMs);
            continue;
          }
          // Recorded before this instance says it leads: whoever asks sees the takeover. If it
          // cannot be recorded, the lock is let go (held but not leading, no one would read).
          try {
            await recordMentionReader({ db }, workerId);
          } catch (error) {
            await release();
            release = null;
            throw error;
          }
          leading = true;
          log.info({ workerId }, 'reading mentions (this instance holds the ingest lock)');
        }
        const due = await msUntilMentionPoll({ db });
        if (due > 0) {
          await sleep(Math.min(due, lockRetryMs));
          continue;
        }
        await pollNow();
      } catch (error) {
        log.error({ err: error }, 'mention ingest cycle failed; trying again shortly');
        await sleep(1_000);
      }
    }
  }

  return {
    workerId,
    get leading() {
      return leading;
    },
    pollNow,
    wake: () => wakeUp?.(),
    start: async () => {
      if (running) return;
      running = true;
      loop = run();
    },
    stop: async () => {
      if (!running) return;
      running = false;
      wakeUp?.();
      await loop;
      await cycling?.catch(() => {});
      await release?.();
      release = null;
      leading = false;
      log.info({ workerId }, 'mention ingester stopped');
    },
  };
}
