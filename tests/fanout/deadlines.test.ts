// One attempt at a post never outlasts its lease: each X request has a deadline for the whole
// of it (not only for an idle socket), and all the requests of an attempt end by the attempt's
// deadline, three quarters into the lease, so that the outcome is recorded by the lease holder
// before another dispatcher could take the post over.
import { Writable } from 'node:stream';
import { createLogger } from '@jcp/log';
import { EMULATOR_APP } from '@jcp/use-cases';
import { attemptDeadlineMs } from '@jcp/worker';
import t from 'tap';
import { CARLISLE, CUMBRIA, fanoutFixture, waitFor } from './fixture.js';

const closed = { status: 'closed', cause: 'weather' } as const;

/** A debug logger for the dispatcher whose lines are kept: the times of its steps, as it logged them. */
function steps() {
  const lines: { time: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { time: number; msg: string });
      done();
    },
  });
  const at = (msg: string, nth = 0) => lines.filter((l) => l.msg === msg)[nth]?.time ?? NaN;
  return { logger: createLogger({ level: 'debug', format: 'json', name: 'test' }, stream), at };
}

/** Closes Carlisle and delivers it with a dispatcher of this lease and request timeout; the post's row once delivered, and the dispatcher's log. */
async function deliverClosure(f: Awaited<ReturnType<typeof fanoutFixture>>, leaseMs: number, timeoutMs: number) {
  const log = steps();
  const dispatcher = f.newDispatcher({
    leaseMs,
    logger: log.logger,
    x: { baseUrl: f.baseUrl, ...EMULATOR_APP, timeoutMs },
  });
  await f.notice({ ...closed, offices: [CARLISLE] });
  await dispatcher.start();
  const row = await waitFor(
    'delivered',
    async () => {
      const r = await f.database.db.selectFrom('fanout_posts').selectAll().executeTakeFirst();
      return r?.state === 'delivered' && r;
    },
    30_000,
  );
  return { row, log, workerId: dispatcher.workerId };
}

void t.test(
  'an answer that drips in slowly is abandoned by the deadline, well within the lease; the retry finds it posted',
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
    // A byte every ~0.1 s for 15 s: the socket is never idle for the 1 s request timeout.
    await f.control('POST', '/_control/faults', {
      kind: 'drip',
      delayMs: 15_000,
      method: 'POST',
      path: '/2/tweets',
      count: 1,
    });
    const leaseMs = 6_000;
    const { row, log, workerId } = await deliverClosure(f, leaseMs, 1_000);
    // From composing (just before the claim) to the first outcome: the claim and the attempt.
    const first = log.at('post will be retried') - log.at('changes composed');
    t.ok(
      first < leaseMs - 500,
      `the first attempt ended ${first} ms after the post was composed (lease ${leaseMs} ms)`,
    );
    t.equal(row.attempts, 2, 'abandoned once, then retried');
    t.equal(row.outcome, 'already-posted', 'X had stored it: the retry met the duplicate rule');
    t.equal(row.delivered_by, workerId, 'recorded by the lease holder');
    t.equal((await f.posts()).length, 1, 'one post on X');
  },
);

void t.test(
  "every request of an attempt ends by the attempt's deadline, before the lease, however many it makes",
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
    const leaseMs = 6_000;
    // Each request alone may take 4 s; the attempt as a whole ends 4.5 s after its claim.
    t.equal(attemptDeadlineMs(leaseMs), 4_500);
    // First attempt: X stores the post but the answer is lost. Second attempt: X answers the
    // duplicate after 2 s, and the timeline lookup that follows (to find the post's id) drips.
    await f.control('POST', '/_control/faults', { kind: 'lostAnswer', method: 'POST', path: '/2/tweets', count: 1 });
    await f.control('POST', '/_control/faults', {
      kind: 'delay',
      delayMs: 2_000,
      method: 'POST',
      path: '/2/tweets',
      count: 1,
    });
    await f.control('POST', '/_control/faults', {
      kind: 'drip',
      delayMs: 20_000,
      method: 'GET',
      path: '/2/users/:id/tweets',
      count: 1,
    });
    const { row, log, workerId } = await deliverClosure(f, leaseMs, 4_000);
    // From the first outcome (the retry is claimed at once) to the second: the claim and the attempt.
    const second = log.at('post delivered') - log.at('post will be retried');
    t.ok(
      second >= 3_500 && second < leaseMs - 500,
      `the second attempt (the post answered in 2 s, then the lookup) ended ${second} ms after the first (lease ${leaseMs} ms)`,
    );
    t.match(
      row,
      { attempts: 2, outcome: 'already-posted', x_post_id: null, delivered_by: workerId },
      'delivered by the lease holder; the id is left for later',
    );
    t.equal((await f.posts()).length, 1, 'one post on X');
  },
);
