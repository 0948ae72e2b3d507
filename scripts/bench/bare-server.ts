/**
 * The lookup benchmark's baseline: a bare Fastify route that returns the same JSON
 * document as GET /offices/{officeId}, with nothing else (no database, plugins or hooks).
 *
 *   PORT=... BODY_FILE=office.json node --import=tsx scripts/bench/bare-server.ts
 */
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';

const body = JSON.parse(await readFile(process.env.BODY_FILE ?? '', 'utf8')) as unknown;
const app = Fastify({ logger: false });
app.get('/offices/:officeId', async () => body);
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
