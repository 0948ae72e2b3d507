import { hostname } from 'node:os';
import { hashLegacyOptOuts, pruneMentions, settleDueStatuses, type DB, type MentionRetention } from '@jcp/db';
import cron, { type ScheduledTask } from 'node-cron';
import fp from 'fastify-plugin';
import { sql, type Kysely } from 'kysely';

export interface SchedulerOptions {
  /** Run the jobs in this process (default false: tests drive them by hand). */
  enabled?: boolean;
  /** node-cron expression (with seconds) for settling due statuses. */
  settleCron?: string;
}

interface SchedulerPluginOptions extends SchedulerOptions {
  /** The opt-out key (to hash opt-outs stored before hashing) and the retention of mentions. */
  privacy?: { optOutKey: Buffer; retention?: MentionRetention };
}

const DAY_MS = 86_400_000;
/** MENTION_RETENTION_DAYS and MENTION_INBOX_RETENTION_DAYS's defaults. */
export const DEFAULT_MENTION_RETENTION: MentionRetention = { retentionMs: 30 * DAY_MS, openInboxMs: 90 * DAY_MS };

/** Who claimed a slot, for people reading job_slots. */
const INSTANCE = `${hostname()}:${process.pid}`;

export type JobOutcome = { ran: true; outcome: unknown } | { ran: false };

/**
 * Runs `work` for one scheduled slot of a job unless another replica has claimed the
 * slot: the claim is a row (job, slot) that only one INSERT can create. A replica that
 * dies mid-run loses only that slot; the jobs are written so that the next slot
 * catches up (they act on everything due, not on what was due in their slot).
 */
export async function runInSlot(
  db: Kysely<DB>,
  job: string,
  slot: Date,
  work: () => Promise<unknown>,
): Promise<JobOutcome> {
  const at = new Date(Math.floor(slot.getTime() / 1000) * 1000);
  const claimed = await db
    .insertInto('job_slots')
    .values({ job, slot: at, claimed_by: INSTANCE })
    .onConflict((oc) => oc.columns(['job', 'slot']).doNothing())
    .returning('job')
    .executeTakeFirst();
  if (!claimed) return { ran: false };
  const outcome = await work();
  await db
    .updateTable('job_slots')
    .set({ finished_at: new Date(), outcome: JSON.stringify(outcome ?? null) })
    .where('job', '=', job)
    .where('slot', '=', at)
    .execute();
  return { ran: true, outcome };
}

export interface Jobs {
  /** Scheduled notices take effect, ended ones expire, passed reopenings turn stale: each into the feed. */
  settleStatuses: (slot: Date) => Promise<JobOutcome>;
  /** Forgets idempotency keys after a day and job slots after a week. */
  prune: (slot: Date) => Promise<JobOutcome>;
  /**
   * Deletes mentions and their replies past their retention (counted per day first), and
   * hashes opt-outs stored before hashing (when the key is configured).
   */
  pruneMentions: (slot: Date) => Promise<JobOutcome>;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs;
  }
}

export default fp<SchedulerPluginOptions>(
  async (app, options) => {
    const retention = options.privacy?.retention ?? DEFAULT_MENTION_RETENTION;
    const optOutKey = options.privacy?.optOutKey;
    const jobs: Jobs = {
      settleStatuses: (slot) =>
        runInSlot(app.db, 'settle-statuses', slot, async () => {
          const { changes } = await settleDueStatuses(app.db);
          if (changes.length > 0) app.representations.invalidate([...new Set(changes.map((c) => c.office_id))]);
          return { changes: changes.length };
        }),
      prune: (slot) =>
        runInSlot(app.db, 'prune', slot, async () => {
          const keys = await app.db
            .deleteFrom('idempotency_keys')
            .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
            .executeTakeFirst();
          const slots = await app.db
            .deleteFrom('job_slots')
            .where('slot', '<', sql<Date>`now() - interval '7 days'`)
            .executeTakeFirst();
          return { idempotencyKeys: Number(keys.numDeletedRows), jobSlots: Number(slots.numDeletedRows) };
        }),
      pruneMentions: (slot) =>
        runInSlot(app.db, 'prune-mentions', slot, async () => {
          const optOutsHashed = optOutKey ? await hashLegacyOptOuts(app.db, optOutKey) : 0;
          return { ...(await pruneMentions(app.db, retention)), optOutsHashed };
        }),
    };
    app.decorate('jobs', jobs);
    if (!options.enabled) return;
    const settleCron = options.settleCron ?? '*/15 * * * * *';
    if (!cron.validate(settleCron))
      throw new Error(
        `SETTLE_CRON: "${settleCron}" is not a valid cron expression (six fields with seconds, e.g. "*/15 * * * * *")`,
      );
    const tasks: ScheduledTask[] = [];
    const schedule = (name: string, expression: string, job: (slot: Date) => Promise<JobOutcome>) => {
      tasks.push(
        cron.schedule(
          expression,
          async (context) => {
            try {
              const result = await job(context.date);
              if (result.ran) app.log.debug({ job: name, outcome: result.outcome }, 'job ran');
            } catch (error) {
              // A database outage must not stop the schedule; the next slot catches up.
              app.log.warn({ err: error, job: name }, 'job failed; the next run catches up');
            }
          },
          { name, noOverlap: true, timezone: 'Europe/London' },
        ),
      );
    };
    app.addHook('onReady', async () => {
      schedule('settle-statuses', settleCron, jobs.settleStatuses);
      schedule('prune', '17 */1 * * *', jobs.prune);
      schedule('prune-mentions', '47 */1 * * *', jobs.pruneMentions);
    });
    app.addHook('onClose', async () => {
      for (const task of tasks) await task.destroy();
    });
  },
  { name: 'scheduler', dependencies: ['database', 'status-events'] },
);
