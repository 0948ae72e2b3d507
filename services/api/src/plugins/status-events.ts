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
import fp from 'fastify-plugin';
import { RepresentationCache } from '../representation-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Rendered reads, dropped when any instance NOTIFYs a status change. */
    representations: RepresentationCache;
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
    const parsed = JSON.parse(payload) as Partial<StatusNotification>;
    return { seq: typeof parsed.seq === 'string' ? parsed.seq : null, offices: Array.isArray(parsed.offices) ? parsed.offices.map(String) : null };
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
    app.decorate('awaitPropagation', async (seq: string) => {
      const done = await waitForListeners(app.db, seq, timeoutMs);
      if (!done) app.log.warn({ seq, timeoutMs }, 'a caching instance has not acknowledged a change in time; it may serve the old status briefly');
      return done;
    });
    if (options.cache === false) return;
    let stop: (() => Promise<void>) | null = null;
    let heartbeat: NodeJS.Timeout | null = null;
    const log = app.log.child({ module: 'status-events' });
    const quietly = (what: string, work: Promise<void>) => work.catch((error: unknown) => log.warn({ err: error }, `${what} failed`));
    app.addHook('onReady', async () => {
      stop = await app.database.listen(
        STATUS_CHANNEL,
        (payload) => {
          const n = parseNotification(payload);
          cache.notified(n.offices);
          if (n.seq !== null) void quietly('acknowledging a change', acknowledgeChange(app.db, instanceId, n.seq));
        },
        (listening) => {
          cache.setListening(false);
          if (listening) {
            // Cache only once writers know to wait for this instance.
            void quietly(
              'registering the cache listener',
              registerListener(app.db, instanceId).then(() => {
                cache.setListening(true);
                log.info('status notifications flow; caching reads');
              }),
            );
          } else {
            void quietly('unregistering the cache listener', unregisterListener(app.db, instanceId));
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
      if (heartbeat) clearInterval(heartbeat);
      cache.setListening(false);
      await quietly('unregistering the cache listener', unregisterListener(app.db, instanceId));
      if (stop) await stop();
    });
  },
  { name: 'status-events', dependencies: ['database'] },
);
