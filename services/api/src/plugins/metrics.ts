import { fanoutGauges, type FanoutGauges } from '@jcp/db';
import { statusDocument } from '@jcp/use-cases';
import { STATUSES, type Status } from '@jcp/domain';
import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';
import { hookList } from './route-hooks.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics (not prom-client's global registry: tests build many apps in one process). */
    metrics: Registry;
    /** The request counter and duration histogram (also counted by the cached reads, cached-reads.ts). */
    requestMetrics: RequestMetrics;
  }
}

/** How long a scrape waits for the office counts before leaving them out. */
const OFFICE_COUNT_TIMEOUT_MS = 2_000;

interface OfficeCounts {
  byStatus: Record<Status, number>;
  stale: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Counts offices by status; both gauges of a scrape (and concurrent scrapes) share one count in flight. */
function officeCounter(app: FastifyInstance): () => Promise<OfficeCounts | null> {
  let inflight: Promise<OfficeCounts | null> | null = null;
  const count = async (): Promise<OfficeCounts | null> => {
    try {
      return await withTimeout(
        (async () => {
          const { statuses } = await statusDocument({ view: app.officeView }, new Date());
          const counts: OfficeCounts = { byStatus: { open: 0, closed: 0, delayed: 0 }, stale: 0 };
          for (const s of statuses.values()) {
            counts.byStatus[s.status] += 1;
            if (s.stale) counts.stale += 1;
          }
          return counts;
        })(),
        OFFICE_COUNT_TIMEOUT_MS,
      );
    } catch (error) {
      app.log.warn({ err: error }, 'metrics: office counts unavailable, left out of this scrape');
      return null;
    }
  };
  return () => {
    inflight ??= count().finally(() => {
      inflight = null;
    });
    return inflight;
  };
}

/**
 * GET /metrics in the Prometheus text format: process metrics, request counts and
 * durations by route pattern, and office counts by status computed at scrape time.
 */
export default fp(
  async (app) => {
    const registry = new Registry();
    app.decorate('metrics', registry);
    collectDefaultMetrics({ register: registry });

    // Counted by each route's own onResponse hook, which knows its pattern (reading it from the
    // request builds Fastify's routeOptions object on every call); unrouted requests by the
    // app's hook, as not_found.
    const requests = new RequestMetrics(registry);
    app.decorate('requestMetrics', requests);
    app.addHook('onRoute', (route) => {
      const url = route.url;
      const observe: onResponseHookHandler = (request, reply, done) => {
        requests.observe(request.method, url, reply.statusCode, reply.elapsedTime / 1000);
        done();
      };
      route.onResponse = [...hookList(route.onResponse), observe];
    });
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) requests.observe(request.method, 'not_found', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });

    const officeCounts = officeCounter(app);
    new Gauge({
      name: 'jcp_offices_by_status',
      help: 'Offices in business by current status (left out when the database does not answer)',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        const counts = await officeCounts();
        this.reset();
        if (counts) for (const status of STATUSES) this.set({ status }, counts.byStatus[status]);
      },
    });
    new Gauge({
      name: 'jcp_offices_stale',
      help: 'Closures whose expected reopening has passed unconfirmed (left out when the database does not answer)',
      registers: [registry],
      async collect() {
        const counts = await officeCounts();
        if (counts) this.set(counts.stale);
        else this.remove();
      },
    });

    // Fan-out backlog, one query per scrape shared by the gauges.
    let fanoutInflight: Promise<FanoutGauges | null> | null = null;
    const fanout = () =>
      (fanoutInflight ??= withTimeout(fanoutGauges(app.db), OFFICE_COUNT_TIMEOUT_MS)
        .catch((error: unknown) => {
          app.log.warn({ err: error }, 'metrics: fan-out figures unavailable, left out of this scrape');
          return null;
        })
        .finally(() => {
          fanoutInflight = null;
        }));
    const fanoutGauge = (name: string, help: string, pick: (g: FanoutGauges) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          const g = await fanout();
          if (g) this.set(pick(g));
          else this.remove();
        },
      });
    fanoutGauge('jcp_fanout_posts_queued', 'Posts composed and not yet delivered to X', (g) => g.queuedPosts);
    fanoutGauge(
      'jcp_fanout_changes_pending',
      'Status changes not yet composed into posts (coalescing, outside posting windows, paused)',
      (g) => g.pendingChanges,
    );
    fanoutGauge(
      'jcp_fanout_oldest_queued_seconds',
      'Age of the oldest post waiting for delivery',
      (g) => g.oldestQueuedSeconds,
    );
    fanoutGauge(
      'jcp_fanout_accounts_paused',
      'Accounts paused (by an operator, or after X rejected their credentials)',
      (g) => g.pausedAccounts,
    );
    fanoutGauge('jcp_fanout_paused', '1 when posting is paused for every account', (g) => (g.allPaused ? 1 : 0));

    app.get(
      '/metrics',
      { schema: { hide: true }, config: { public: true, rateLimit: false }, logLevel: 'warn' },
      async (_request, reply) => {
        const body = await registry.metrics();
        return reply.header('cache-control', 'no-store').type(registry.contentType).send(body);
      },
    );
  },
  { name: 'metrics', dependencies: ['database'] },
);
