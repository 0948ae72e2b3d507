import { get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { AppOptions } from '@jcp/api';
import { createLogger } from '@jcp/log';
import type { Teardown } from '@jcp/testing';
import t from 'tap';
import { apiFixture } from './fixture.js';
import { captureLog } from './log-capture.js';

// Cached reads answered by the HTTP server before Fastify routes them (cached-reads.ts).
// Only real HTTP reaches that path (app.inject calls Fastify's handler directly), so these
// tests listen on a port; `answered` counts what the path answered itself.

type Fixture = Awaited<ReturnType<typeof apiFixture>>;

async function listening(t: Teardown, options: Partial<AppOptions> = {}) {
  const fixture = await apiFixture(t, options);
  const { app } = fixture;
  let answered = 0;
  const answer = app.cachedReads.answer.bind(app.cachedReads);
  app.cachedReads.answer = (request, response) => {
    const done = answer(request, response);
    if (done) answered++;
    return done;
  };
  await app.listen({ host: '127.0.0.1', port: 0 });
  // Nothing is cached until the change notifications flow (representation-cache.ts).
  while (!app.representations.isListening) await new Promise((resolve) => setTimeout(resolve, 10));
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { ...fixture, base, answered: () => answered };
}

const withoutDate = (headers: Headers) => [...headers].filter(([name]) => name !== 'date');

async function metricsOf(fixture: Fixture): Promise<string> {
  return (await fixture.app.inject('/metrics')).body;
}

void t.test('a cached office and the status document: the same bytes as the route sends, counted', async (t) => {
  const fixture = await listening(t);
  const { base } = fixture;
  for (const path of [
    '/offices/carlisle-8504',
    '/statuses',
    '/offices',
    '/offices?district=105&status=open',
    '/offices?q=carslile',
    '/offices/carlisle-8504/history?limit=5',
    '/changes?after=0',
  ]) {
    const before = fixture.answered();
    // Identity here (fetch would ask for gzip and undo it); compression: the next test.
    const identity = { headers: { 'accept-encoding': 'identity' } };
    const rendered = await fetch(`${base}${path}`, identity);
    const renderedBody = await rendered.text();
    t.equal(fixture.answered(), before, `${path}: the first read is rendered by the route`);
    const cached = await fetch(`${base}${path}`, identity);
    t.equal(fixture.answered(), before + 1, `${path}: the second is answered before routing`);
    t.equal(cached.status, 200);
    t.same(withoutDate(cached.headers), withoutDate(rendered.headers), `${path}: the same headers, in name and value`);
    t.equal(await cached.text(), renderedBody, `${path}: the same body`);
    t.equal(cached.headers.get('x-content-type-options'), 'nosniff');
    t.equal(cached.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
    t.equal(cached.headers.get('content-length'), String(Buffer.byteLength(renderedBody)));
  }
  const metrics = await metricsOf(fixture);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/offices\/:officeId",status_code="200"\} 2$/m);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/statuses",status_code="200"\} 2$/m);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/offices",status_code="200"\} 6$/m);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/offices\/:officeId\/history",status_code="200"\} 2$/m);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/changes",status_code="200"\} 2$/m);
  t.match(
    metrics,
    /^http_request_duration_seconds_count\{method="GET",route="\/offices\/:officeId",status_code="200"\} 2$/m,
  );
});

/** GET over node:http, the body as sent (not decompressed). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

void t.test(
  'large answers go gzip-compressed to clients that accept it, by both paths, with their own ETag',
  async (t) => {
    const fixture = await listening(t);
    const { base } = fixture;
    for (const path of ['/statuses', '/offices?district=105']) {
      const plain = await rawGet(`${base}${path}`, { 'accept-encoding': 'identity' });
      t.equal(plain.headers['content-encoding'], undefined, `${path}: identity when asked`);
      t.equal(plain.headers.vary, 'accept-encoding', `${path}: varies by encoding`);
      const etag = String(plain.headers.etag);
      const before = fixture.answered();
      const answers = [];
      for (let i = 0; i < 2; i++)
        answers.push(await rawGet(`${base}${path}`, { 'accept-encoding': 'br;q=1.0, gzip;q=0.8, *;q=0.1' }));
      t.equal(fixture.answered(), before + 2, `${path}: both answered before routing (cached by the identity request)`);
      const direct = await rawGet(`${base}${path}`, {
        'accept-encoding': 'gzip',
        authorization: `Bearer ${fixture.reader.token}`,
      });
      t.equal(fixture.answered(), before + 2, `${path}: a token goes to the route`);
      for (const zipped of [...answers, direct]) {
        t.equal(zipped.status, 200);
        t.equal(zipped.headers['content-encoding'], 'gzip', `${path}: compressed`);
        t.equal(zipped.headers.vary, 'accept-encoding');
        t.equal(zipped.headers.etag, etag.replace(/"$/, '-gzip"'), `${path}: its own ETag`);
        t.equal(Number(zipped.headers['content-length']), zipped.body.length);
        t.ok(
          zipped.body.length * 3 < plain.body.length,
          `${path}: smaller (${zipped.body.length} of ${plain.body.length} bytes)`,
        );
        t.equal(gunzipSync(zipped.body).toString(), plain.body.toString(), `${path}: the same document`);
      }
      for (const tag of [etag, etag.replace(/"$/, '-gzip"')]) {
        const conditional = await rawGet(`${base}${path}`, { 'accept-encoding': 'gzip', 'if-none-match': tag });
        t.equal(conditional.status, 304, `${path}: either ETag revalidates`);
      }
      const refused = await rawGet(`${base}${path}`, { 'accept-encoding': 'gzip;q=0, *' });
      t.equal(refused.headers['content-encoding'], undefined, `${path}: gzip;q=0 is a refusal`);
    }
    const office = await rawGet(`${base}/offices/carlisle-8504`, { 'accept-encoding': 'gzip' });
    t.equal(office.headers['content-encoding'], undefined, 'a small answer is sent as it is');
    t.equal(office.headers.vary, undefined);
  },
);

void t.test('a status change is seen by the very next read (the cache entry is dropped)', async (t) => {
  const fixture = await listening(t);
  const { base } = fixture;
  await fetch(`${base}/offices/carlisle-8504`);
  await (await fetch(`${base}/offices?status=closed`)).arrayBuffer();
  await (await fetch(`${base}/offices?status=closed`)).arrayBuffer();
  const open = (await (await fetch(`${base}/offices/carlisle-8504`)).json()) as { currentStatus: { status: string } };
  t.equal(open.currentStatus.status, 'open');
  t.equal(fixture.answered(), 2, 'the lookup and the list, each the second time');
  const posted = await fetch(`${base}/offices/carlisle-8504/notices`, {
    method: 'POST',
    headers: { ...fixture.bearer(fixture.cumbria), 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'closed', cause: 'weather', message: 'Closed because of snow.' }),
  });
  t.equal(posted.status, 201);
  const closed = (await (await fetch(`${base}/offices/carlisle-8504`)).json()) as { currentStatus: { status: string } };
  t.equal(closed.currentStatus.status, 'closed', 'read after write');
  const list = (await (await fetch(`${base}/offices?status=closed`)).json()) as { offices: { id: string }[] };
  t.same(
    list.offices.map((o) => o.id),
    ['carlisle-8504'],
    'and the lists',
  );
});

void t.test('everything else goes to the routes', async (t) => {
  const fixture = await listening(t);
  const { base } = fixture;
  const first = await fetch(`${base}/offices/carlisle-8504`);
  const etag = String(first.headers.get('etag'));
  await first.text();
  const cases: [string, RequestInit, number][] = [
    ['/offices/carlisle-8504', { method: 'HEAD' }, 200],
    ['/offices/carlisle-8504', { headers: { 'if-none-match': etag } }, 304],
    ['/offices/carlisle-8504', { headers: fixture.bearer(fixture.reader) }, 200],
    ['/offices/carlisle-8504', { headers: { authorization: 'Bearer jcp_not-a-token' } }, 200],
    ['/offices/carlisle-8504?fields=all', {}, 200],
    ['/offices/carlisle%2D8504', {}, 200],
    ['/offices/carlisle-8504/', {}, 404],
    ['/offices/CARLISLE-8504', {}, 400],
    ['/offices/atlantis-1', {}, 404],
    ['/statuses?x=1', {}, 200],
    ['/offices/carlisle%2D8504/history', {}, 200],
    ['/offices/carlisle%2D8504/history', {}, 200],
    ['/statusesx', {}, 404],
    ['/offices/carlisle-8504', { method: 'DELETE' }, 404],
  ];
  for (const [path, init, status] of cases) {
    const before = fixture.answered();
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    t.equal(res.status, status, `${init.method ?? 'GET'} ${path} ${JSON.stringify(init.headers ?? {})}`);
    t.equal(fixture.answered(), before, `${path}: answered by the route`);
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', `${path}: with the security headers`);
  }
});

void t.test('the rate limit counts cached answers, and the route refuses past it', async (t) => {
  const fixture = await listening(t, { rateLimit: { max: 3, windowMs: 60_000 } });
  const { base } = fixture;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${base}/offices/carlisle-8504`);
    statuses.push(res.status);
    if (res.status === 429) {
      t.match(res.headers.get('content-type'), /^application\/problem\+json/);
      t.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
    }
    await res.arrayBuffer();
  }
  t.same(statuses, [200, 200, 200, 429, 429], 'three in the window, whichever path answered them');
  t.equal(fixture.answered(), 2, 'the first was rendered by the route, the next two answered before routing');
  const metrics = await metricsOf(fixture);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/offices\/:officeId",status_code="200"\} 3$/m);
  t.match(metrics, /^http_requests_total\{method="GET",route="\/offices\/:officeId",status_code="429"\} 2$/m);
});

void t.test('with READ_ACCESS=token every read goes to the routes', async (t) => {
  const fixture = await listening(t, { readAccess: 'token' });
  const { base } = fixture;
  for (let i = 0; i < 2; i++) {
    const anonymous = await fetch(`${base}/offices/carlisle-8504`);
    await anonymous.arrayBuffer();
    t.equal(anonymous.status, 401);
    const reader = await fetch(`${base}/offices/carlisle-8504`, { headers: fixture.bearer(fixture.reader) });
    await reader.arrayBuffer();
    t.equal(reader.status, 200);
  }
  t.equal(fixture.answered(), 0);
});

void t.test(
  'request logging: at debug every request goes to the routes; at info a slow answer is logged',
  async (t) => {
    const debug = captureLog();
    const atDebug = await listening(t, {
      logger: createLogger({ level: 'debug', format: 'json', name: 'test' }, debug.stream),
    });
    for (let i = 0; i < 2; i++) await (await fetch(`${atDebug.base}/offices/carlisle-8504`)).arrayBuffer();
    t.equal(atDebug.answered(), 0, 'at debug, nothing is answered before routing');
    t.equal(debug.lines.filter((l) => l.msg === 'request completed').length, 2, 'both requests logged');

    const info = captureLog();
    const atInfo = await listening(t, {
      logger: createLogger({ level: 'info', format: 'json', name: 'test' }, info.stream),
      slowRequestMs: 0,
    });
    await (await fetch(`${atInfo.base}/offices/carlisle-8504`)).arrayBuffer();
    await (
      await fetch(`${atInfo.base}/offices/carlisle-8504`, { headers: { 'x-request-id': 'slow-cached' } })
    ).arrayBuffer();
    t.equal(atInfo.answered(), 1);
    const mine = info.lines.filter((l) => l.reqId === 'slow-cached');
    t.same(
      mine.map((l) => l.msg),
      ['incoming request', 'request completed'],
    );
    t.match(mine[0], { level: 30, req: { method: 'GET', url: '/offices/carlisle-8504', remoteAddress: '127.0.0.1' } });
    t.match(mine[1], { level: 30, res: { statusCode: 200 }, responseTime: Number, slow: true });
  },
);
