import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { etagOf, type Representation, type Rendering } from '../../representation-cache.js';
import { acceptsGzip, answerHeaders, gzipETag, gzipOf, isCompressible } from '../../representation-encoding.js';

// How the office reads answer: rendered JSON with an ETag and Cache-Control, or 304
// (the same headers as the cached reads answered before routing, cached-reads.ts).

export const conditionalHeaders = z.object({ 'if-none-match': z.string().max(1000).optional() });
export const notModified = z.null().describe('Not modified');

/**
 * Answers a cacheable read from its rendered JSON: ETag and Cache-Control, or 304 when
 * the client has it. The text was checked against the route's schema when rendered.
 */
export function sendRepresentation(
  request: FastifyRequest,
  reply: FastifyReply,
  representation: Pick<Representation, 'payload' | 'etag' | 'identityOnly'>,
): FastifyReply {
  // A large answer goes compressed to a client that accepts it (representation-encoding.ts).
  const large = isCompressible(representation);
  const gzip = large && acceptsGzip(request.headers['accept-encoding']);
  const { 'content-type': type, 'content-encoding': encoding, ...validators } = answerHeaders(representation, gzip);
  reply.headers(validators);
  const ifNoneMatch = request.headers['if-none-match'];
  if (
    matchesIfNoneMatch(ifNoneMatch, representation.etag) ||
    (large && matchesIfNoneMatch(ifNoneMatch, gzipETag(representation.etag)))
  )
    return reply.code(304).send(null);
  reply.headers({ 'content-type': type, ...(encoding ? { 'content-encoding': encoding } : {}) });
  return reply.send(gzip ? gzipOf(representation) : representation.payload);
}

/** An office id as written in a path that routes read as it is (what keys of one office are made of). */
export const OFFICE_ID_IN_PATH = /^[a-z0-9][a-z0-9-]{0,127}$/;

/**
 * Answers a read from the representation cache, rendering it on a miss: under `key` (from
 * the route's CachedRoute, cached-reads.ts; undefined: rendered, not kept).
 */
export async function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  key: string | undefined,
  render: () => Promise<Rendering | null>,
): Promise<FastifyReply | null> {
  if (key === undefined) {
    const rendered = await render();
    return rendered ? sendJson(request, reply, rendered.body) : null;
  }
  const representation = await request.server.representations.getOrRender(key, render);
  return representation ? sendRepresentation(request, reply, representation) : null;
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
