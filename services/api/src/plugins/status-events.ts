import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  acknowledgeChange,
  heartbeatListener,
  LISTENER_HEARTBEAT_MS,
  registerListener,
  STATUS_CHANNEL,
  unregisterListener,
  waitForListeners,
  type StatusNotification,
} from '@jcp/db';
import { OfficeView } from '@jcp/use-cases';
import fp from 'fastify-plugin';
import { RepresentationCache } from '../representation-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Rendered reads, dropped when any instance NOTIFYs a status change. */
    representations: RepresentationCache;
    /** The offices and their notices in the process, kept fresh with the cache (every office read comes from it). */
    officeView: OfficeView;
    /** Waits until every live caching instance has applied change `seq` (false: timed out). */
    awaitPropagation(seq: string): Promise<boolean>;
  }
}

export interface StatusEventsOptions {
  /** Keep rendered reads between changes (default true); false renders every read. */
  cache?: boolean;
  /** The longest a writer waits for other instances to apply its change (default 2000 ms). */
  propagationTimeoutMs?: number;
}

function parseNotification(payload: string): StatusNotification {
  try {
    const parsed = JSON.parse(payload) as { seq?: unknown; offices?: unknown };
    // A seq is a bigint: text from pg, a number from a PGlite left with its default parsers.
    const seq = typeof parsed.seq === 'string' || typeof parsed.seq === 'number' ? String(parsed.seq) : '';
    return {
      seq: /^\d{1,19}$/.test(seq) ? seq : null,
      offices: Array.isArray(parsed.offices) ? parsed.offices.map(String) : null,
    };
  } catch {
    return { seq: null, offices: null };
  }
}

/**
 * Keeps cached reads true on every instance:
 * - each instance LISTENs for status changes committed anywhere and drops what they
 *   make out of date, then acknowledges the change in `cache_listeners`;
 * - a writer answers only once every live caching instance has acknowledged, so the
 *   client's next read sees the change whichever instance serves it;
 * - while an instance's listener is down it caches nothing and is not waited for.
 */
export default fp<StatusEventsOptions>(
  async (app, options) => {
    const cache = new RepresentationCache();
    const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const timeoutMs = options.propagationTimeoutMs ?? 2_000;
    app.decorate('representations', cache);
    const view = new OfficeView(app.db);
    cache.follow(view);
    app.decorate('officeView', view);
    app.decorate('awaitPropagation', async (seq: string) => {
      let done: boolean;
      try {
        done = await waitForListeners(app.db, seq, timeoutMs);
      } catch (error) {
        // The change is committed: it must be answered as done, not as a 503 that invites a
        // retry (a duplicate, without an Idempotency-Key). An instance that cannot be told of
        // it has lost its LISTEN connection too, and so has dropped its cache.
        app.log.warn(
          { err: error, seq },
          'could not check that caching instances applied a change (database unreachable); answering anyway',
        );
        return false;
      }
      if (!done)
        app.log.warn(
          { seq, timeoutMs },
          'a caching instance has not acknowledged a change in time; it may serve the old status briefly',
        );
      return done;
    });
    if (options.cache === false) return;
    let stop: (() => Promise<void>) | null = null;
    let heartbeat: NodeJS.Timeout | null = null;
    let retry: NodeJS.Timeout | null = null;
    let closing = false;
    // Bumped at each change of the listener's state: work started for an older state
    // (a registration that was slow to finish) must not switch caching back on.
    let epoch = 0;
    // Registrations and unregistrations run one at a time, in the order the listener's
    // state changed: an unregistration that was slow to run (a database just back) must
    // not delete the row a later registration made, or writers would stop waiting for an
    // instance that caches.
    let membership: Promise<void> = Promise.resolve();
    const inOrder = (work: () => Promise<void>): Promise<void> => (membership = membership.then(work));
    const log = app.log.child({ module: 'status-events' });
    const quietly = (what: string, work: Promise<void>) =>
      work.catch((error: unknown) => log.warn({ err: error }, `${what} failed`));
    const unregister = () =>
      inOrder(() => quietly('unregistering the cache listener', unregisterListener(app.db, instanceId)));
    // Caches only once writers know to wait for this instance; retried (with backoff) while
    // the listener stays up, or reads would go uncached until the listener next drops.
    const register = (at: number, delay: number): Promise<void> =>
      inOrder(async () => {
        if (at !== epoch) return;
        try {
          await registerListener(app.db, instanceId);
        } catch (error) {
          if (at !== epoch) return;
          log.warn(
            { err: error, retryInMs: delay },
            'registering the cache listener failed; reads go to the database until it succeeds',
          );
          retry = setTimeout(() => void register(at, Math.min(delay * 2, 5_000)), delay);
          return;
        }
        if (at !== epoch) return; // the listener dropped meanwhile; the unregistration queued after this removes the row
        cache.setListening(true);
        log.info('status notifications flow; caching reads');
      });
    app.addHook('onReady', async () => {
      stop = await app.database.listen(
        STATUS_CHANNEL,
        (payload) => {
          const n = parseNotification(payload);
          cache.notified(n.offices, n.seq);
          if (n.seq !== null) void quietly('acknowledging a change', acknowledgeChange(app.db, instanceId, n.seq));
        },
        (listening) => {
          if (closing) return;
          const at = ++epoch;
          if (retry) clearTimeout(retry);
          retry = null;
          cache.setListening(false);
          if (listening) {
            void register(at, 200);
          } else {
            void unregister();
            log.warn('status notifications interrupted; reads go to the database');
          }
        },
      );
      heartbeat = setInterval(() => {
        if (cache.isListening) void quietly('the cache listener heartbeat', heartbeatListener(app.db, instanceId));
      }, LISTENER_HEARTBEAT_MS);
      heartbeat.unref();
    });
    app.addHook('onClose', async () => {
      closing = true;
      epoch++;
      if (retry) clearTimeout(retry);
      if (heartbeat) clearInterval(heartbeat);
      cache.setListening(false);
      await unregister();
      if (stop) await stop();
    });
  },
  { name: 'status-events', dependencies: ['database'] },
);
