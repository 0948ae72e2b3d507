// The fan-out dispatcher: the loop that composes each account's pending status changes into
// posts and delivers them to X. It listens and wakes, claims through the use case, keeps at most
// `concurrency` deliveries in flight, and stops gracefully; what a delivery does and what an
// outcome means are the use cases' (packages/use-cases/src/fanout/). Any number of
// dispatchers may run against one database; its locks and leases decide who does what.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FANOUT_CHANNEL, type Database } from '@jcp/db';
import type { AppBudgetRule, BudgetRule } from '@jcp/domain';
import type { Logger } from '@jcp/log';
import { claimPosts, composeReady, createDelivery, pruneSendRecords, type DeliveryOptions } from '@jcp/use-cases';

export interface DispatcherOptions {
  database: Database;
  logger: Logger;
  /** Names this worker in leases; unique per process. */
  workerId?: string;
  x: DeliveryOptions['x'];
  credentialsKey: DeliveryOptions['credentialsKey'];
  coalesceSeconds: number;
  /** Posts in flight at once (each to a different account). */
  concurrency: number;
  leaseMs: number;
  /** Longest sleep between looks at the database when no NOTIFY arrives. */
  pollMs: number;
  /** A batch never tried is recomposed once this old (default 900 s). */
  recomposeAfterSeconds?: number;
  /** A reply whose question is older than this is not sent (default: the mention policy's, an hour; MENTION_MAX_AGE_SECONDS). */
  replyMaxAgeSeconds?: number;
  userBudget: BudgetRule;
  /** The app's budget, and the share of it replies may use (default half). */
  appBudget: AppBudgetRule;
  random?: () => number;
}

export interface Dispatcher {
  readonly workerId: string;
  start: () => Promise<void>;
  /** Stops claiming, waits for the posts in flight to be recorded, and stops listening. */
  stop: () => Promise<void>;
  /** Look at the database now rather than at the next poll. */
  wake: () => void;
}

const FAILURE_PAUSE_MS = 1_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { database } = options;
  const db = database.db;
  const log = options.logger.child({ module: 'dispatcher' });
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const inFlight = new Set<Promise<void>>();
  const deliver = createDelivery(
    { db, log },
    {
      workerId,
      x: options.x,
      credentialsKey: options.credentialsKey,
      leaseMs: options.leaseMs,
      ...(options.random ? { random: options.random } : {}),
    },
  );
  let running = false;
  let loop: Promise<void> | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  // Composing is looked at when something may have made it possible: a commit's NOTIFY,
  // a batch finished, a timer or the poll; not after every single post delivered.
  let composeDue = true;
  let nextComposeAt: Date | null = null;
  let lastCompose = 0;
  let lastPrune = 0;

  /** Runs the loop again now (claims; composing only if due). */
  const nudge = () => {
    woken = true;
    wakeUp?.();
  };
  /** Looks at everything again now: claims and composing. */
  const wake = () => {
    composeDue = true;
    nudge();
  };

  /** One look at composing; returns when to look again for accounts still waiting (null: none is). */
  function compose(): Promise<Date | null> {
    return composeReady(
      { db, log },
      {
        coalesceSeconds: options.coalesceSeconds,
        ...(options.recomposeAfterSeconds === undefined
          ? {}
          : { recomposeAfterSeconds: options.recomposeAfterSeconds }),
        ...(options.replyMaxAgeSeconds === undefined ? {} : { replyMaxAgeSeconds: options.replyMaxAgeSeconds }),
      },
    );
  }

  /** Claims and starts sending what it can; returns how many, and when a budget will next have room. */
  async function claim(): Promise<{ claimed: number; budgetRoomAt: Date | null }> {
    const room = options.concurrency - inFlight.size;
    // A claim costs about the same whatever it takes: while many posts are in flight, wait
    // until a quarter of the places are free (each post that finishes looks again), so that
    // a burst is claimed in a few large claims rather than many of one or two.
    const least = inFlight.size === 0 ? 1 : Math.max(1, Math.floor(options.concurrency / 4));
    if (room < least) return { claimed: 0, budgetRoomAt: null };
    // The lease runs from the claim's transaction: timed from before it, to be on the safe side.
    const leaseStart = Date.now();
    const { posts, budgetRoomAt, now } = await claimPosts(
      { db },
      {
        workerId,
        leaseMs: options.leaseMs,
        limit: room,
        userBudget: options.userBudget,
        appBudget: options.appBudget,
        ...(options.recomposeAfterSeconds === undefined
          ? {}
          : { recomposeAfterSeconds: options.recomposeAfterSeconds }),
      },
    );
    const claimedAt = Date.now();
    for (const post of posts) {
      const task = deliver(post, leaseStart)
        .then(({ batchDone }) => {
          // The account's next changes may be composed now that its batch is done.
          if (batchDone) composeDue = true;
        })
        .catch((error: unknown) =>
          log.error(
            { err: error, post: post.id },
            'recording a delivery failed; the lease will expire and the post be retried',
          ),
        )
        .finally(() => {
          inFlight.delete(task);
          nudge();
        });
      inFlight.add(task);
    }
    // budgetRoomAt is on the database's clock: as a delay on ours.
    return {
      claimed: posts.length,
      budgetRoomAt:
        budgetRoomAt && now ? new Date(claimedAt + Math.max(0, budgetRoomAt.getTime() - now.getTime())) : null,
    };
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      let sleepUntil = Date.now() + options.pollMs;
      // However busy delivering keeps the loop, composing is looked at every poll interval
      // (a batch going stale, a setting changed) and when a timer falls due.
      if (Date.now() - lastCompose >= options.pollMs || (nextComposeAt && nextComposeAt.getTime() <= Date.now()))
        composeDue = true;
      try {
        if (composeDue) {
          composeDue = false;
          lastCompose = Date.now();
          try {
            nextComposeAt = await compose();
          } catch (error) {
            composeDue = true;
            throw error;
          }
        }
        if (nextComposeAt) sleepUntil = Math.min(sleepUntil, nextComposeAt.getTime());
        const { claimed, budgetRoomAt } = await claim();
        if (claimed > 0) woken = true; // more may be ready behind them
        if (budgetRoomAt) sleepUntil = Math.min(sleepUntil, budgetRoomAt.getTime() + 1);
        if (Date.now() - lastPrune > 60_000) {
          lastPrune = Date.now();
          await pruneSendRecords({ db }, options);
        }
      } catch (error) {
        log.error({ err: error }, 'dispatcher cycle failed');
        sleepUntil = Date.now() + FAILURE_PAUSE_MS;
      }
      if (!running || woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            // Slept until a timer or the poll: time may have made accounts ready.
            composeDue = true;
            resolve();
          },
          Math.max(0, sleepUntil - Date.now()),
        );
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        if (woken) wakeUp();
      });
      wakeUp = null;
    }
  }

  return {
    workerId,
    wake,
    start: async () => {
      if (running) return;
      running = true;
      unlisten = await database.listen(FANOUT_CHANNEL, wake, (listening) => {
        if (listening) wake();
      });
      log.info({ workerId }, 'dispatcher started');
      loop = run();
    },
    stop: async () => {
      if (!running) return;
      running = false;
      wake();
      await loop;
      await Promise.allSettled([...inFlight]);
      await unlisten?.();
      log.info({ workerId }, 'dispatcher stopped');
    },
  };
}
