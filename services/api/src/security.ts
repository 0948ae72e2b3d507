import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers, fixed strings set once per response (no per-request work).
 *
 * The API answers JSON to programs, so it sends the set the OWASP REST Security Cheat
 * Sheet asks of an API (nothing it serves may load anything or be framed, no MIME
 * sniffing, HTTPS only) plus no referrer and no cross-origin embedding. The headers
 * for HTML pages (opener policy, DNS prefetch, download options, origin-agent cluster,
 * legacy XSS filter) mean nothing for a JSON body and would cost every lookup bytes;
 * the docs UI, an HTML page, gets them, with the CSP that @fastify/swagger-ui sets for
 * its own assets (`staticCSP`).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

const DOCUMENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'strict-transport-security': API_SECURITY_HEADERS['strict-transport-security'] as string,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/**
 * Security headers on every response of the app, errors and 404s included: added as the
 * answer is sent (onSend), so that a response written straight to the socket (a cached
 * read answered before routing, cached-reads.ts) pays nothing for a hook whose headers it writes itself.
 */
export function installSecurityHeaders(app: FastifyInstance, docsPrefix: string): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(request.url.startsWith(docsPrefix) ? DOCUMENT_HEADERS : API_SECURITY_HEADERS);
    done(null, payload);
  });
}

/**
 * The router's own errors (a malformed URL, a too long parameter) are answered before
 * any hook runs; they get the API's headers directly.
 */
export function applySecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) res.setHeader(name, value);
}
