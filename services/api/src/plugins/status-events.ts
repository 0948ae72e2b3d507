import { STATUS_CHANNEL, type StatusNotification } from '@jcp/db';
import fp from 'fastify-plugin';
import { RepresentationCache } from '../representation-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Rendered reads, dropped when any instance NOTIFYs a status change. */
    representations: RepresentationCache;
  }
}

export interface StatusEventsOptions {
  /** Keep rendered reads between changes (default true); false renders every read. */
  cache?: boolean;
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
 * Listens for status changes committed by any instance (PostgreSQL LISTEN/NOTIFY) and
 * drops what they make out of date. While the listener is down nothing is cached, so
 * a missed notification can never leave an old status on show.
 */
export default fp<StatusEventsOptions>(
  async (app, options) => {
    const cache = new RepresentationCache();
    app.decorate('representations', cache);
    if (options.cache === false) return;
    let stop: (() => Promise<void>) | null = null;
    app.addHook('onReady', async () => {
      stop = await app.database.listen(
        STATUS_CHANNEL,
        (payload) => {
          const n = parseNotification(payload);
          cache.notified(n.offices, n.seq);
        },
        (listening) => {
          cache.setListening(listening);
          app.log[listening ? 'info' : 'warn']({ listening }, listening ? 'status notifications flow; caching reads' : 'status notifications interrupted; reads go to the database');
        },
      );
    });
    app.addHook('onClose', async () => {
      if (stop) await stop();
    });
  },
  { name: 'status-events', dependencies: ['database'] },
);
