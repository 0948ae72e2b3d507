/**
 * The read benchmarks' baseline: a bare Fastify route that answers the same bytes as the
 * service (the same JSON document and the same response headers: the security headers,
 * ETag, Cache-Control, content type), with nothing else (no database, plugins or hooks).
 * The headers are part of the answer a caller needs, so the baseline pays for them too;
 * what the ratio measures is the cost of everything else the service does per request.
 *
 *   PORT=... BODY_FILE=office.json [HEADERS_FILE=headers.json] [ROUTE=/offices/:officeId] \
 *     node --import=tsx scripts/bench/bare-server.ts
 *
 * BODY_FILE holds the JSON document, sent as Fastify sends an object (serialised on each
 * request); HEADERS_FILE, if given, a JSON object of the headers to send with it.
 */
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';

const body = JSON.parse(await readFile(process.env.BODY_FILE ?? '', 'utf8')) as unknown;
const headers = process.env.HEADERS_FILE
  ? (JSON.parse(await readFile(process.env.HEADERS_FILE, 'utf8')) as Record<string, string>)
  : {};
const app = Fastify({ logger: false });
app.get(process.env.ROUTE ?? '/offices/:officeId', async (_request, reply) => {
  reply.headers(headers);
  return body;
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
