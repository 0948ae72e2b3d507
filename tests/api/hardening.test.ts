import { buildApp, type AppOptions } from '@jcp/api';
import {
  appendNotice,
  createDatabase,
  importOfficeRegistry,
  issueToken,
  readMigrations,
  readRegistryFiles,
  type Database,
} from '@jcp/db';
import { createTestDatabase, type Teardown } from '@jcp/testing';
import t from 'tap';

type Asserts = Pick<typeof t, 'equal' | 'match'>;
type InjectResponse = Awaited<ReturnType<Awaited<ReturnType<typeof buildApp>>['inject']>>;

const migrations = await readMigrations();
const registry = await readRegistryFiles();

async function setup(t: Teardown, options: Partial<AppOptions> = {}) {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, registry, { actor: 'test' });
  const app = await buildApp({ database, migrations, ...options });
  t.teardown(() => app.close());
  return { database, app };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function hasSecurityHeaders(t: Asserts, res: InjectResponse, what: string) {
  t.equal(res.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  t.equal(res.headers['x-frame-options'], 'DENY', `${what}: no framing`);
  t.match(res.headers['strict-transport-security'], /max-age=\d+/, `${what}: HSTS`);
  t.equal(res.headers['referrer-policy'], 'no-referrer', `${what}: referrer policy`);
  t.equal(res.headers['cross-origin-resource-policy'], 'same-origin', `${what}: CORP`);
}

void t.test('security headers on a read, a 404, an error from a handler and a malformed URL', async (t) => {
  const { app } = await setup(t);
  const cases: [string, number][] = [
    ['/offices/carlisle-8504', 200],
    ['/healthz', 200],
    ['/no/such/route', 404],
    ['/offices/atlantis-1', 404],
    ['/offices?status=shut', 400],
    ['/offices/%E0%A4%A', 400], // answered by the router before any hook
  ];
  for (const [url, status] of cases) {
    const res = await app.inject(url);
    t.equal(res.statusCode, status, url);
    hasSecurityHeaders(t, res, url);
    // A JSON API: nothing it serves may load anything or be framed.
    t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", `${url}: strict CSP`);
  }
});

void t.test(
  "a lookup the route answers from the cache sends the rendered answer's headers and is counted (answers before routing: cached-reads.test.ts)",
  async (t) => {
    const { app } = await setup(t);
    const rendered = await app.inject('/offices/carlisle-8504');
    const cached = await app.inject('/offices/carlisle-8504');
    t.equal(app.representations.size > 0, true, 'the second lookup had a cached representation');
    const withoutDate = (headers: InjectResponse['headers']) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date'));
    t.same(withoutDate(cached.headers), withoutDate(rendered.headers), 'the same headers, in name and value');
    t.equal(cached.body, rendered.body);
    hasSecurityHeaders(t, cached, 'cached lookup');
    t.equal(cached.headers['content-length'], String(Buffer.byteLength(rendered.body)));

    const head = await app.inject({ method: 'HEAD', url: '/offices/carlisle-8504' });
    t.equal(head.statusCode, 200);
    t.equal(head.body, '', 'HEAD from the cache: no body');
    t.equal(head.headers.etag, rendered.headers.etag);

    const conditional = await app.inject({
      url: '/offices/carlisle-8504',
      headers: { 'if-none-match': String(rendered.headers.etag) },
    });
    t.equal(conditional.statusCode, 304, 'a conditional request still gets its 304');
    hasSecurityHeaders(t, conditional, '304');

    const metrics = (await app.inject('/metrics')).body;
    t.match(
      metrics,
      /^http_requests_total\{method="GET",route="\/offices\/:officeId",status_code="200"\} 2$/m,
      'both 200s counted',
    );
    t.match(metrics, /^http_requests_total\{method="GET",route="\/offices\/:officeId",status_code="304"\} 1$/m);
    t.match(metrics, /^http_requests_total\{method="HEAD",route="\/offices\/:officeId",status_code="200"\} 1$/m);
  },
);

void t.test(
  'the docs UI renders under its own CSP, every asset it loads answers, and the document leaves docs and metrics out',
  async (t) => {
    const { app } = await setup(t);
    const page = await app.inject('/docs/');
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /^text\/html/);
    hasSecurityHeaders(t, page, '/docs/');
    const csp = String(page.headers['content-security-policy']);
    t.match(csp, /script-src 'self'/, 'scripts from the same origin are allowed');
    t.match(csp, /style-src 'self'/, 'so are stylesheets');
    t.notMatch(csp, /'unsafe-inline'|'unsafe-eval'/, 'nothing inline');
    t.match(page.body, /<div id="swagger-ui">/);

    // Everything the page loads is a relative URL (so 'self' covers it) that answers 200.
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    t.ok(
      assets.some((a) => a.endsWith('swagger-ui-bundle.js')),
      'loads the bundle',
    );
    t.ok(
      assets.some((a) => a.endsWith('swagger-initializer.js')),
      'and its initializer',
    );
    for (const asset of assets) {
      t.notMatch(asset, /^[a-z]+:|^\/\//i, `${asset} is same-origin`);
      const res = await app.inject(new URL(asset, 'http://localhost/docs/').pathname);
      t.equal(res.statusCode, 200, asset);
      t.ok(res.body.length > 0, `${asset} has a body`);
    }
    const initializer = await app.inject('/docs/static/swagger-initializer.js');
    t.match(initializer.headers['content-type'], /javascript/);
    t.match(initializer.body, /resolveUrl\('\.\/json'\)/, 'the UI reads the document from /docs/json');

    const document = await app.inject('/docs/json');
    t.equal(document.statusCode, 200);
    const doc = document.json<{ openapi: string; paths: Record<string, unknown> }>();
    t.equal(doc.openapi, '3.1.0');
    t.ok(doc.paths['/offices/{officeId}'], 'the document describes the API');
    t.same(
      Object.keys(doc.paths).filter((p) => p.startsWith('/docs') || p.startsWith('/metrics')),
      [],
      'docs and metrics are hidden',
    );
    t.equal((await app.inject('/docs')).statusCode, 200, 'without the trailing slash too');
  },
);

void t.test(
  'rate limit: a 429 problem+json with Retry-After after N requests, counted per token, probes exempt',
  async (t) => {
    const { app, database } = await setup(t, { rateLimit: { max: 3, windowMs: 60_000 } });
    const one = await issueToken(database.db, { name: 'gov.uk', role: 'reader', createdBy: 'test' });
    const other = await issueToken(database.db, { name: 'phone lines', role: 'reader', createdBy: 'test' });

    for (let i = 1; i <= 3; i++) {
      const ok = await app.inject('/statuses');
      t.equal(ok.statusCode, 200, `anonymous request ${i}`);
      t.equal(ok.headers['ratelimit-limit'], undefined, 'the limit headers come with a refusal only');
    }
    const refused = await app.inject('/offices/carlisle-8504?x=1');
    t.equal(refused.statusCode, 429, 'the fourth request from the address, on any route');
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.match(refused.json(), {
      type: 'https://jcp-status.dwp.example/problems/rate-limited',
      title: 'Too Many Requests',
      status: 429,
      detail: /at most 3 per 1 minute.*Retry in/,
      instance: '/offices/carlisle-8504',
    });
    const retryAfter = Number(refused.headers['retry-after']);
    t.ok(retryAfter > 0 && retryAfter <= 60, `retry-after ${String(refused.headers['retry-after'])}`);
    t.equal(refused.headers['ratelimit-limit'], '3');
    t.equal(refused.headers['ratelimit-remaining'], '0');
    t.ok(Number(refused.headers['ratelimit-reset']) > 0, 'ratelimit-reset');
    hasSecurityHeaders(t, refused, '429');

    // Each live token has its own bucket: a service behind the same address is not starved.
    for (const [name, token] of [
      ['first token', one.token],
      ['second token', other.token],
    ] as const) {
      for (let i = 1; i <= 3; i++)
        t.equal(
          (await app.inject({ url: '/statuses', headers: bearer(token) })).statusCode,
          200,
          `${name}, request ${i}`,
        );
      t.equal((await app.inject({ url: '/statuses', headers: bearer(token) })).statusCode, 429, `${name}, request 4`);
    }
    // A made-up token gets no bucket of its own (else a new one per request would dodge the limit).
    t.equal(
      (await app.inject({ url: '/statuses', headers: bearer('jcp_made-up') })).statusCode,
      429,
      'an unknown token counts against its address',
    );
    t.equal(
      (await app.inject({ url: '/statuses', headers: { authorization: 'Basic abc' } })).statusCode,
      429,
      'so does another scheme',
    );

    for (const url of ['/healthz', '/readyz', '/metrics']) {
      for (let i = 0; i < 5; i++) {
        const res = await app.inject(url);
        t.equal(res.statusCode, 200, `${url} is exempt (${i})`);
        t.equal(res.headers['ratelimit-limit'], undefined, `${url} carries no rate limit`);
      }
    }
  },
);

void t.test('without a rate limit (the default of buildApp) many requests all answer', async (t) => {
  const { app } = await setup(t);
  for (let i = 0; i < 50; i++) t.equal((await app.inject('/offices/carlisle-8504')).statusCode, 200);
  t.equal((await app.inject('/offices/carlisle-8504')).headers['ratelimit-limit'], undefined);
});

const sample = (body: string, series: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

void t.test('/metrics counts requests by route pattern and offices by status at scrape time', async (t) => {
  const { app, database } = await setup(t);
  const scrape = async () => {
    const res = await app.inject('/metrics');
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    return res.body;
  };
  const before = await scrape();
  t.equal(
    sample(before, 'jcp_offices_by_status{status="open"}'),
    630,
    'every office in business is open (Bishop Auckland closed for good)',
  );
  t.equal(sample(before, 'jcp_offices_by_status{status="closed"}'), 0);
  t.equal(sample(before, 'jcp_offices_by_status{status="delayed"}'), 0);
  t.equal(sample(before, 'jcp_offices_stale'), 0);
  t.match(before, /^process_cpu_user_seconds_total \d/m, 'default process metrics');
  t.match(before, /^nodejs_eventloop_lag_seconds /m);

  await app.inject('/offices/carlisle-8504');
  await app.inject('/offices/aberdare-9820');
  await app.inject('/offices/atlantis-1');
  await app.inject('/no/such/route/42');
  const now = new Date();
  const twoHoursAgo = new Date(now.getTime() - 7_200_000);
  const notice = (officeIds: string[], draft: Parameters<typeof appendNotice>[1]['draft'], at: Date) =>
    database.db.transaction().execute((trx) => appendNotice(trx, { officeIds, author: 'test', draft }, at));
  await notice(
    ['carlisle-8504'],
    {
      status: 'closed',
      cause: 'weather',
      message: null,
      activeFrom: now,
      activeUntil: null,
      expectedReopenAt: null,
      reopenCertainty: 'unknown',
    },
    now,
  );
  // Expected back an hour ago and nobody confirmed: stale.
  await notice(
    ['aberdare-9820'],
    {
      status: 'closed',
      cause: 'weather',
      message: null,
      activeFrom: twoHoursAgo,
      activeUntil: null,
      expectedReopenAt: new Date(now.getTime() - 3_600_000),
      reopenCertainty: 'expected',
    },
    twoHoursAgo,
  );
  await notice(
    ['wrexham-9673'],
    {
      status: 'delayed',
      cause: 'weather',
      message: null,
      activeFrom: now,
      activeUntil: null,
      expectedReopenAt: new Date(now.getTime() + 3_600_000),
      reopenCertainty: 'confirmed',
    },
    now,
  );
  // Written behind the app's back (states the API would not write, such as a closure
  // already stale): the app is told as a write's NOTIFY tells every instance.
  app.representations.notified(null);

  const after = await scrape();
  t.equal(sample(after, 'http_requests_total{method="GET",route="/offices/:officeId",status_code="200"}'), 2);
  t.equal(
    sample(after, 'http_requests_total{method="GET",route="/offices/:officeId",status_code="404"}'),
    1,
    'an unknown office is counted under its route',
  );
  t.equal(
    sample(after, 'http_requests_total{method="GET",route="not_found",status_code="404"}'),
    1,
    'an unknown route under not_found',
  );
  t.equal(sample(after, 'http_requests_total{method="GET",route="/metrics",status_code="200"}'), 1, 'the first scrape');
  t.equal(
    sample(after, 'http_request_duration_seconds_count{method="GET",route="/offices/:officeId",status_code="200"}'),
    2,
  );
  t.match(
    after,
    /^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/offices\/:officeId",status_code="200"\} \d/m,
  );
  t.notMatch(after, /carlisle-8504|atlantis|no\/such\/route/, 'never a raw URL as a label');
  t.equal(sample(after, 'jcp_offices_by_status{status="open"}'), 627);
  t.equal(sample(after, 'jcp_offices_by_status{status="closed"}'), 2);
  t.equal(sample(after, 'jcp_offices_by_status{status="delayed"}'), 1);
  t.equal(sample(after, 'jcp_offices_stale'), 1);
  t.same(after.match(/^# TYPE http_requests_total counter$/gm)?.length, 1);
});

void t.test('/metrics still answers while the database is down, without the office gauges', async (t) => {
  // A port nothing listens on: connection refused.
  const database: Database = await createDatabase({ url: 'postgres://postgres@127.0.0.1:9/jcp', poolMax: 1 });
  t.teardown(() => database.close());
  const app = await buildApp({ database, migrations });
  t.teardown(() => app.close());
  t.equal((await app.inject('/offices/carlisle-8504')).statusCode, 503);
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.equal(sample(res.body, 'http_requests_total{method="GET",route="/offices/:officeId",status_code="503"}'), 1);
  t.notMatch(res.body, /^jcp_offices_by_status\{/m, 'no office counts');
  t.notMatch(res.body, /^jcp_offices_stale /m, 'not even a made-up 0 for stale closures');
});

void t.test(
  'READ_ACCESS=token: reads need a reader token; probes, metrics and docs stay open; new read routes are covered',
  async (t) => {
    const { app, database } = await setup(t, { readAccess: 'token' });
    const reader = await issueToken(database.db, { name: 'gov.uk', role: 'reader', createdBy: 'test' });
    const manager = await issueToken(database.db, {
      name: 'cumbria manager',
      role: 'manager',
      districtCodes: ['105'],
      createdBy: 'test',
    });
    // Declared after buildApp, as a future route would be: covered without being listed anywhere.
    app.get('/future-report', async () => ({ ok: true }));
    app.get('/future-public', { config: { public: true } }, async () => ({ ok: true }));

    const reads = ['/offices', '/offices/carlisle-8504', '/offices/atlantis-1', '/statuses', '/future-report'];
    for (const url of reads) {
      for (const method of ['GET', 'HEAD'] as const) {
        const anonymous = await app.inject({ method, url });
        t.equal(anonymous.statusCode, 401, `anonymous ${method} ${url}`);
        t.match(anonymous.headers['content-type'], /^application\/problem\+json/);
        t.match(anonymous.headers['www-authenticate'], /^Bearer/);
        if (method === 'GET')
          t.match(anonymous.json(), { status: 401, detail: /bearer token is required/, instance: url });
      }
      t.equal((await app.inject({ url, headers: bearer('jcp_made-up') })).statusCode, 401, `unknown token ${url}`);
      const expected = url === '/offices/atlantis-1' ? 404 : 200;
      t.equal((await app.inject({ url, headers: bearer(reader.token) })).statusCode, expected, `reader ${url}`);
      t.equal(
        (await app.inject({ url, headers: bearer(manager.token) })).statusCode,
        expected,
        `a higher role reads too: ${url}`,
      );
    }
    for (const url of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/docs/',
      '/docs/json',
      '/docs/static/swagger-ui.css',
      '/future-public',
    ]) {
      t.equal((await app.inject(url)).statusCode, 200, `${url} stays open`);
    }
  },
);

void t.test('reads are public by default', async (t) => {
  const { app } = await setup(t);
  t.equal((await app.inject('/offices/carlisle-8504')).statusCode, 200);
  t.equal((await app.inject('/statuses')).statusCode, 200);
});
