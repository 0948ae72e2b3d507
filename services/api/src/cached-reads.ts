import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Representation } from './representation-cache.js';
import { acceptsGzip, answerHeaders, gzipOf, isCompressible } from './representation-encoding.js';
import { API_SECURITY_HEADERS } from './security.js';

/**
 * A read route whose answers the representation cache holds, as the cached reads serve it.
 * Its key must name what the answer depends on as the cache's invalidation reads it
 * (`office:{id}...` for one office, representation-cache.ts): a key is made only from a path
 * whose office id is written as the route reads it (no percent-encoding), so that the key
 * of `/offices/carlisle%2D8504` is not mistaken for another office's.
 */
export interface CachedRoute {
  /** The route's pattern, as the metrics count it: `/offices/:officeId`. */
  route: string;
  /** The start of the paths it serves (`/offices/`), or the whole path of a route without parameters. */
  path: string;
  /** The cache key of what follows `path`; undefined when it is not one of this route's paths. */
  key: (rest: string) => string | undefined;
}

/** What the cached reads need from the app, given once it is ready (`start`). */
export interface CachedReadsContext {
  representations: { get(key: string): Representation | undefined };
  /** Counts an anonymous request against its address's rate-limit budget: false if it would be refused. */
  admit: (address: string, socket: object) => boolean;
  /** Counts an answer in the request metrics. */
  observe: (method: string, route: string, statusCode: number, seconds: number) => void;
  /** An answer that took this long (ms) or longer is logged as the request log logs a slow one. */
  slowMs: number;
  logSlow: (request: IncomingMessage, ms: number) => void;
}

/**
 * Cached reads answered by the HTTP server before Fastify routes them.
 *
 * A snowy morning's traffic is mostly the same anonymous lookup again and again, and the
 * representation cache already holds its answer. Building Fastify's request and reply,
 * routing, and running its hooks for it cost more than a third of such a request
 * (docs/benchmarks.md, "The cached path"). So the server's request listener looks first:
 * a plain anonymous `GET` of a cached read route whose answer the cache holds is written
 * straight away, with every header the route would send, counted against the caller's
 * rate-limit budget and in the request metrics exactly as the route's hooks count it, and
 * logged at `info` when slow, as the request log (request-log.ts) logs a slow success.
 *
 * Anything else goes to Fastify untouched, which remains the one place a read is
 * answered in full: other methods (HEAD), a request with an `Authorization` header (its
 * budget is its token's, which may need a database lookup), a conditional request
 * (`If-None-Match`: 304 or 200), a path the cache does not hold (an unknown office, a
 * query string, a trailing slash, percent-encoding: the key is looked up as written and
 * only the exact path of a cached document answers), reads that need a token
 * (`READ_ACCESS=token`), a caller over its rate limit (Fastify's hook refuses with the
 * 429), request logging at `debug` (every request logged), and the whole time the app is
 * not ready or is closing (Fastify's 503 on closing).
 *
 * tests/api/cached-reads.test.ts checks that both paths send the same headers and body and
 * that every one of those cases goes to Fastify.
 */
export class CachedReads {
  private readonly routes: CachedRoute[] = [];
  private context: CachedReadsContext | null = null;
  /** The header block of each representation's 200, built once. */
  private readonly headerBlocks = new WeakMap<Representation, Readonly<Record<string, string | number>>>();
  private readonly gzipHeaderBlocks = new WeakMap<Representation, Readonly<Record<string, string | number>>>();

  /**
   * Declares a cached read route (by its plugin, beside the route itself). The route stores
   * what it renders under `keyOf(request.url)`, the key this path looks up.
   */
  serve(route: CachedRoute): { keyOf(url: string): string | undefined } {
    this.routes.push(route);
    return { keyOf: (url) => (url.startsWith(route.path) ? route.key(url.slice(route.path.length)) : undefined) };
  }

  /** From now on, answers what it can; `context` is how it counts. */
  start(context: CachedReadsContext): void {
    this.context = context;
  }

  /** From now on, everything goes to Fastify (closing: it answers 503 and closes connections). */
  stop(): void {
    this.context = null;
  }

  /**
   * Fastify's `serverFactory`: the HTTP server Fastify would make (the same timeouts), with
   * this in front of Fastify's handler.
   */
  readonly serverFactory = (
    handler: (request: IncomingMessage, response: ServerResponse) => void,
    options: FastifyServerOptions & { http?: ServerOptions },
  ): Server => {
    const server = createServer(options.http ?? {}, (request, response) => {
      if (!this.answer(request, response)) handler(request, response);
    });
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout ?? 0);
    if (options.maxRequestsPerSocket !== undefined && options.maxRequestsPerSocket > 0)
      server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };

  /** Answers the request if it is a cached read it may answer; false leaves it to Fastify. */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    const context = this.context;
    if (context === null || request.method !== 'GET') return false;
    const headers = request.headers;
    if (headers.authorization !== undefined || headers['if-none-match'] !== undefined) return false;
    const url = request.url ?? '';
    for (const route of this.routes) {
      if (!url.startsWith(route.path)) continue;
      const key = route.key(url.slice(route.path.length));
      if (key === undefined) continue;
      const representation = context.representations.get(key);
      if (representation === undefined) return false;
      const socket = request.socket;
      const address = socket.remoteAddress;
      if (address === undefined || !context.admit(address, socket)) return false;
      const started = performance.now();
      // A large answer goes compressed to a client that accepts it, as the route sends it.
      const gzip = isCompressible(representation) && acceptsGzip(headers['accept-encoding']);
      response.writeHead(200, this.headerBlock(representation, gzip));
      response.end(gzip ? gzipOf(representation) : representation.payload);
      const ms = performance.now() - started;
      context.observe('GET', route.route, 200, ms / 1000);
      if (ms >= context.slowMs) context.logSlow(request, ms);
      return true;
    }
    return false;
  }

  private headerBlock(representation: Representation, gzip: boolean): Readonly<Record<string, string | number>> {
    const blocks = gzip ? this.gzipHeaderBlocks : this.headerBlocks;
    let block = blocks.get(representation);
    if (block === undefined) {
      block = Object.freeze({
        ...API_SECURITY_HEADERS,
        ...answerHeaders(representation, gzip),
        'content-length': gzip ? gzipOf(representation).length : Buffer.byteLength(representation.payload),
      });
      blocks.set(representation, block);
    }
    return block;
  }
}
