import { gzipSync } from 'node:zlib';
import type { Representation } from './representation-cache.js';

/** Short freshness: during disruption a status may change at any minute. */
export const CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=30';
export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Large cached answers also go out gzip-compressed, to clients that accept it.
 *
 * A list of every office is 392 kB of JSON and the status document 63 kB: on a phone, or at
 * 50 answers in flight, moving the bytes is most of the time. gzip makes them about a tenth,
 * and a cached answer is compressed once (at its first request that accepts gzip), not per
 * request. Small answers (a search, a history page: under COMPRESS_FROM characters) are sent as
 * they are, and so is the office lookup whatever its size (`identityOnly`): its ETag is what
 * If-Match compares, and a second one would make a writer's If-Match fail.
 *
 * A compressed answer has its own ETag (the plain one with `-gzip` inside the quotes, as a
 * different representation must) and every answer of a large document says
 * `Vary: Accept-Encoding`, so that a shared cache keeps the two apart. A conditional request
 * matches either ETag.
 */
export const COMPRESS_FROM = 4096;

const compressed = new WeakMap<object, Buffer>();

/** Whether this answer is large enough to be sent compressed (and so to vary by Accept-Encoding). */
export function isCompressible(representation: Pick<Representation, 'payload' | 'identityOnly'>): boolean {
  return representation.payload.length >= COMPRESS_FROM && representation.identityOnly !== true;
}

/** The gzip bytes of a large answer, made once per representation. */
export function gzipOf(representation: Pick<Representation, 'payload'>): Buffer {
  let bytes = compressed.get(representation);
  if (bytes === undefined) {
    bytes = gzipSync(representation.payload, { level: 6 });
    compressed.set(representation, bytes);
  }
  return bytes;
}

/** The ETag of the compressed answer: `"abc"` → `"abc-gzip"`. */
export function gzipETag(etag: string): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-gzip"` : `${etag}-gzip`;
}

/**
 * Whether an Accept-Encoding header accepts gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`, or
 * `*` when gzip is not named) with a weight above 0. Read at most its first 1,000 characters.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const text = (Array.isArray(header) ? header.join(',') : header).slice(0, 1000).toLowerCase();
  if (!text.includes('gzip') && !text.includes('*')) return false;
  let any = false;
  for (const part of text.split(',')) {
    const [name = '', ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const accepted = Number.isFinite(weight) && weight > 0;
    if (name === 'gzip' || name === 'x-gzip') return accepted;
    if (name === '*') any = accepted;
  }
  return any;
}

/**
 * The headers of a cached answer's 200 that depend on it, in either encoding: ETag,
 * Cache-Control, Vary (a large one), Content-Type and Content-Encoding. The one list both
 * paths send (the route's, routes/offices/http.ts, and the answer before routing,
 * cached-reads.ts, which adds the security headers and Content-Length Fastify adds).
 */
export function answerHeaders(
  representation: Pick<Representation, 'payload' | 'etag' | 'identityOnly'>,
  gzip: boolean,
): Record<string, string> {
  return {
    etag: gzip ? gzipETag(representation.etag) : representation.etag,
    'cache-control': CACHE_CONTROL,
    ...(isCompressible(representation) ? { vary: 'accept-encoding' } : {}),
    'content-type': JSON_TYPE,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  };
}
