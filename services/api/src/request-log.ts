import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { LazyChildLogger } from './lazy-logger.js';

/** A request slower than this is logged at `info` whatever its answer (LOG_SLOW_REQUEST_MS). */
export const DEFAULT_SLOW_REQUEST_MS = 1_000;

/**
 * What a request logs: at `info` (the default) only the requests worth reading, at `debug`
 * every request.
 *
 * Fastify writes two lines for every request at `info` ("incoming request", "request
 * completed"); with a lookup answered from the cache that was more than half the
 * service's work (docs/benchmarks.md). Here, at `info`, a request is logged when it fails
 * or is refused (status 400 and above), when it is slow (`slowMs` or more), or when
 * anything else about it is logged at `info` or above (a refusal, an error): then its
 * "incoming request" line, held back until that moment, is written first, with the same
 * fields as Fastify's, and its "request completed" line after. A quick success logs
 * nothing at `info`; at `debug` it logs both lines at `debug`. The lines' fields are
 * Fastify's serialisers' (method, URL, host, address, status, time), with the logger's
 * redaction, as before.
 */
export class RequestLog extends LogController {
  constructor(private readonly slowMs: number = DEFAULT_SLOW_REQUEST_MS) {
    super();
  }

  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    const log = request.log;
    // A route with a level of its own (probes, metrics) logs as Fastify does, at its level.
    if (!(log instanceof LazyChildLogger)) return super.incomingRequest(request, reply);
    if (log.isLevelEnabled('debug')) log.debug({ req: request }, 'incoming request');
    else if (log.isLevelEnabled('info')) log.holdIncoming(request);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const log = reply.log;
    if (!(log instanceof LazyChildLogger)) return super.requestCompleted(error, request, reply);
    const responseTime = reply.elapsedTime;
    if (error) return log.error({ res: reply, err: error, responseTime }, 'request errored');
    const slow = responseTime >= this.slowMs;
    if (slow || reply.statusCode >= 400)
      log.info({ res: reply, responseTime, ...(slow ? { slow } : {}) }, 'request completed');
    else if (log.isLevelEnabled('debug')) log.debug({ res: reply, responseTime }, 'request completed');
  }
}

/**
 * A slow success answered before routing (cached-reads.ts), logged as RequestLog logs one at
 * `info`: its "incoming request" line, then "request completed" with its time, with the same
 * fields (Fastify's serialisers read the request as they read Fastify's own).
 */
export function logSlowCachedRead(log: FastifyBaseLogger, request: IncomingMessage, responseTime: number): void {
  const requestId = request.headers['x-request-id'];
  const line = log.child(typeof requestId === 'string' ? { reqId: requestId } : {});
  const req = {
    method: request.method,
    url: request.url,
    headers: request.headers,
    host: request.headers.host,
    ip: request.socket.remoteAddress,
    socket: request.socket,
  };
  line.info({ req }, 'incoming request');
  line.info({ res: { statusCode: 200 }, responseTime, slow: true }, 'request completed');
}
