import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { etagOf, type Representation } from '../../representation-cache.js';
import { API_SECURITY_HEADERS } from '../../security.js';

// How the office reads answer: rendered JSON with an ETag and Cache-Control, or 304.

// Short freshness: during disruption a status may change at any minute.
export const CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=30';
export const JSON_TYPE = 'application/json; charset=utf-8';
export const conditionalHeaders = z.object({ 'if-none-match': z.string().max(1000).optional() });
export const notModified = z.null().describe('Not modified');

/**
 * Answers a cacheable read from its rendered JSON: ETag and Cache-Control, or 304 when
 * the client has it. The text was checked against the route's schema when rendered.
 */
export function sendRepresentation(
  request: FastifyRequest,
  reply: FastifyReply,
  representation: Pick<Representation, 'payload' | 'etag'>,
): FastifyReply {
  reply.header('etag', representation.etag).header('cache-control', CACHE_CONTROL);
  if (matchesIfNoneMatch(request.headers['if-none-match'], representation.etag)) return reply.code(304).send(null);
  return reply.type(JSON_TYPE).send(representation.payload);
}

/** The whole header block of a cached 200, built once per representation. */
const answerHeaders = new WeakMap<Representation, Readonly<Record<string, string | number>>>();

/**
 * The hot path of a cached read: the representation's 200 written straight to the socket
 * (`reply.hijack()`), with every header the usual path sends (the API's security headers,
 * ETag, Cache-Control, Content-Type, Content-Length) prepared once per representation rather
 * than set one by one on every request. Fastify's routing, the onRequest hooks before it (the
 * rate limit) and the onResponse hooks after it (metrics, the request log) still run. The one
 * onSend hook skipped is the security headers' (security.ts), whose headers are in the block;
 * tests/api/hardening.test.ts checks that both paths send the same headers. A conditional
 * request takes the usual path (304 or 200).
 */
export function answerFromCache(request: FastifyRequest, reply: FastifyReply, representation: Representation): void {
  if (request.headers['if-none-match'] !== undefined) {
    void sendRepresentation(request, reply, representation);
    return;
  }
  let headers = answerHeaders.get(representation);
  if (headers === undefined) {
    headers = Object.freeze({
      ...API_SECURITY_HEADERS,
      etag: representation.etag,
      'cache-control': CACHE_CONTROL,
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(representation.payload),
    });
    answerHeaders.set(representation, headers);
  }
  reply.hijack();
  reply.raw.writeHead(200, headers);
  reply.raw.end(representation.payload);
}

export function sendJson(request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const payload = JSON.stringify(body);
  return sendRepresentation(request, reply, { payload, etag: etagOf(payload) });
}

function matchesIfNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (Array.isArray(header)) header = header.join(',');
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

export const cursorSchema = z.string().regex(/^\d{1,18}$/, 'a cursor is the decimal number a previous page returned');
