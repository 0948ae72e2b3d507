// Recording the outcomes of deliveries: those that finish while one is being recorded are
// recorded together, in one transaction (group commit), so that the database's round trips
// per post, not the posts, set the pace. Only the lease holder's outcome counts
// (completePosts, complete.ts).
import type { ClaimedPost, DB, DeliveryResult } from '@jcp/db';
import type { Logger } from '@jcp/log';
import type { Kysely } from 'kysely';
import { completePost, completePosts, type Completed as Recorded } from './complete.js';

/** Records one outcome, together with any others that finish meanwhile. */
export type RecordOutcome = (post: ClaimedPost, result: DeliveryResult) => Promise<Recorded>;

export function createOutcomeRecorder(deps: { db: Kysely<DB>; log: Logger }, workerId: string): RecordOutcome {
  const { db, log } = deps;
  const outcomes: {
    post: ClaimedPost;
    result: DeliveryResult;
    resolve: (r: Recorded) => void;
    reject: (error: unknown) => void;
  }[] = [];
  let recording: Promise<void> | null = null;
  function record(post: ClaimedPost, result: DeliveryResult): Promise<Recorded> {
    const done = new Promise<Recorded>((resolve, reject) => outcomes.push({ post, result, resolve, reject }));
    flush();
    return done;
  }
  function flush(): void {
    recording ??= (async () => {
      while (outcomes.length > 0) {
        const items = outcomes.splice(0, 64);
        try {
          const recorded = await completePosts(
            { db },
            items.map((i) => ({ post: i.post, result: i.result })),
            workerId,
          );
          items.forEach((item, k) => item.resolve(recorded[k]!));
        } catch (error) {
          // One outcome's failure (a deadlock with another worker, a conflict) must not lose
          // the others: each is recorded on its own, and only its own failure is reported.
          log.warn(
            { err: error, outcomes: items.length },
            'recording outcomes together failed; recording them one by one',
          );
          await Promise.all(
            items.map((item) =>
              completePost({ db }, { post: item.post, result: item.result }, workerId).then(item.resolve, item.reject),
            ),
          );
        }
      }
    })().finally(() => {
      recording = null;
      // One may have come after the loop's last look and before this.
      if (outcomes.length > 0) flush();
    });
  }
  return record;
}
