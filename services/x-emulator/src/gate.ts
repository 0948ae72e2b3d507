// What every /2 request goes through before its route: OAuth 1.0a, the faults queued for it and
// the rate limits; and a dripping answer's body, sent a byte at a time.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { faultBody, rateLimited, unauthorized } from './answers.js';
import { authenticate } from './auth.js';
import type { Account } from './model.js';
import { applyRateLimit } from './rate-limits.js';
import type { EmulatorStore } from './store.js';

declare module 'fastify' {
  interface FastifyRequest {
    xAccount?: Account;
    xLostAnswer?: boolean;
    xDripMs?: number;
  }
}

export function registerGate(app: FastifyInstance, store: EmulatorStore): void {
  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/2/')) return;
    const account = authenticate(store, request);
    if (!account) return reply.code(401).send(unauthorized);
    request.xAccount = account;
    const route = request.routeOptions.url ?? '';
    const path = request.url.split('?')[0];
    const idx = store.faults.findIndex(
      (f) =>
        (f.kind !== 'lostAnswer' || (request.method === 'POST' && route === '/2/tweets')) &&
        (!f.method || f.method.toUpperCase() === request.method) &&
        (!f.path || f.path === route || f.path === path) &&
        (!f.account || store.findAccount(f.account)?.id === account.id),
    );
    const pending = idx >= 0 ? store.faults[idx]! : undefined;
    if (pending?.skip) pending.skip -= 1;
    else if (pending) {
      const fault = pending;
      fault.remaining -= 1;
      if (fault.remaining <= 0) store.faults.splice(idx, 1);
      if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
      if (fault.kind === 'status') {
        const status = fault.status ?? 503;
        return reply.code(status).send(fault.body ?? faultBody(status));
      }
      if (fault.kind === 'drop') {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      if (fault.kind === 'lostAnswer') request.xLostAnswer = true;
      if (fault.kind === 'drip') request.xDripMs = fault.delayMs ?? 1000;
    }
    if (!applyRateLimit(store, `${request.method} ${route}`, account, reply)) return reply.code(429).send(rateLimited);
  });

  // A dripping answer: the request is handled as usual (a post is stored), then the status and
  // headers go at once and the body a byte at a time over `delayMs`, so that the connection
  // is never idle for long while the answer takes as long as the fault says.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.xDripMs === undefined || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    const bytes = Buffer.from(payload);
    const step = request.xDripMs / Math.max(1, bytes.length);
    return Readable.from(
      (async function* drip() {
        for (const byte of bytes) {
          await new Promise((resolve) => setTimeout(resolve, step));
          yield Buffer.from([byte]);
        }
      })(),
    );
  });
}
