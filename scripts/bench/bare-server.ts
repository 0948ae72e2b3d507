/**
 * The read benchmarks' baseline: bare Fastify routes that answer the same bytes as the
 * service (the same JSON document and the same response headers: the security headers,
 * ETag, Cache-Control, content type), with nothing else (no database, plugins or hooks).
 * The headers are part of the answer a caller needs, so the baseline pays for them too;
 * what the ratio measures is the cost of everything else the service does per request.
 *
 *   PORT=... ROUTES_FILE=routes.json node --import=tsx scripts/bench/bare-server.ts
 *
 * ROUTES_FILE holds a JSON array of `{ url, body, headers }` (scripts/bench/common.ts,
 * BareAnswer): each URL (path and query as the benchmark asks it) answers its body with its
 * headers. A JSON body is sent as Fastify sends an object (serialised on each request); a
 * compressed one (`content-encoding`) as the bytes the service sent, made once.
 */
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';

interface Answer {
  url: string;
  body: string;
  headers: Record<string, string>;
}

const answers = JSON.parse(await readFile(process.env.ROUTES_FILE ?? '', 'utf8')) as Answer[];
const byUrl = new Map(
  answers.map((a) => {
    const bytes = Buffer.from(a.body, 'base64');
    const body: unknown = a.headers['content-encoding'] ? bytes : JSON.parse(bytes.toString());
    return [a.url, { body, headers: a.headers }];
  }),
);
const app = Fastify({ logger: false });
for (const path of new Set(answers.map((a) => a.url.split('?')[0] ?? a.url)))
  app.get(path, async (request, reply) => {
    const answer = byUrl.get(request.url);
    if (!answer) return reply.code(404).send({ error: 'not a benchmarked URL' });
    reply.headers(answer.headers);
    return answer.body;
  });
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
