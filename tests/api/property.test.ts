/**
 * Property-based hardening: thousands of random and malformed requests against every
 * route the app registers (taken from the app's own route table, so a new route is
 * covered the day it lands), on two instances: the default one, and one with every read
 * behind a token and a rate limit on. Whatever is sent:
 * - no answer is a 5xx;
 * - every error is an RFC 9457 application/problem+json document with type, title,
 *   detail and the HTTP status as `status`;
 * - a documented operation answers only statuses its OpenAPI operation declares.
 * Requests are wild (any method, garbage ids, percent-encoding errors, huge numbers,
 * odd headers and media types, random, truncated or over-1-MiB bodies) or plausible
 * (real ids, a manager or admin token, a body shaped by the route's schema, sometimes
 * with one field wrong), so that the write handlers really run.
 *
 * A failing run prints the seed, the path and the failing request (truncated); replay it
 * with FC_SEED=<seed> FC_PATH=<path> (the database's own random ids and the clock differ
 * between runs, so a replay is close to, not byte for byte, the failing run). FC_RUNS
 * overrides the number of runs: PostgreSQL (TEST_DATABASE_URL) gets 3000; the embedded
 * PGlite, about twice as slow per query, gets 2000 to keep the file well under a minute.
 *
 * The regression test at the end pins each bug these properties found.
 */
import { randomBytes } from 'node:crypto';
import { buildApp } from '@jcp/api';
import { importOfficeRegistry, issueToken, readMigrations, readRegistryFiles, revokeToken } from '@jcp/db';
import { CAUSES } from '@jcp/domain';
import { createTestDatabase, testServerUrl, type Teardown } from '@jcp/testing';
import fc from 'fast-check';
import t from 'tap';

const migrations = await readMigrations();
const registry = await readRegistryFiles();

const RUNS = Number(process.env.FC_RUNS) || (testServerUrl ? 3000 : 2000);
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
const FC_PATH = process.env.FC_PATH || undefined;
const BODY_LIMIT = 1_048_576;

type App = Awaited<ReturnType<typeof buildApp>>;
type InjectResponse = Awaited<ReturnType<App['inject']>>;
type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
const METHODS: readonly Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

interface Probe {
  /** The route the request was made for (`METHOD /pattern`). */
  route: string;
  /** `plausible`: nearly right, to get deep into the handlers; `wild`: anything. */
  kind: 'wild' | 'plausible';
  /** Which app answers: the public one, or the one with READ_ACCESS=token and a rate limit. */
  guarded: boolean;
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** The subset of JSON Schema (as @fastify/swagger emits it from zod) the generators understand. */
interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

interface OpenApiParameter {
  name: string;
  in: string;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** What a response must look like, whatever the request: the properties under test. */
function violations(probe: Probe, res: InjectResponse): string[] {
  const found: string[] = [];
  if (res.statusCode >= 500) found.push(`status ${res.statusCode}`);
  if (res.statusCode < 400) return found;
  const type = String(res.headers['content-type'] ?? '');
  if (!/^application\/problem\+json(;|$)/.test(type)) found.push(`content-type "${type}" on a ${res.statusCode}`);
  if (probe.method === 'HEAD') return found; // a HEAD answer has no body
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return [...found, `a ${res.statusCode} whose body is not JSON: ${res.body.slice(0, 200)}`];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return [...found, `a ${res.statusCode} whose body is not an object`];
  const problem = body as Record<string, unknown>;
  for (const field of ['type', 'title', 'detail'] as const) {
    if (typeof problem[field] !== 'string') found.push(`problem without a string "${field}"`);
  }
  if (problem.status !== res.statusCode) found.push(`problem status ${String(problem.status)} on a ${res.statusCode}`);
  return found;
}

/**
 * The OpenAPI document tells the truth: a status a documented operation answers is one it
 * declares. (A request with another method than the route's may land on another route, or
 * on none: only requests made with the route's own method are held to its declaration.)
 */
function undeclared(probe: Probe, res: InjectResponse, route: RouteInfo | undefined): string[] {
  if (!route || probe.method !== route.method) return [];
  const operation = probe.guarded ? route.guardedOperation : route.operation;
  if (!operation) return [];
  // The URL resolved to no route at all: no operation answered. (light-my-request, like any
  // client that follows RFC 3986, resolves dot segments: /admin/accounts/.. is /admin/.)
  if (res.statusCode === 404 && /"detail":"No route /.test(res.body)) return [];
  return String(res.statusCode) in (operation.responses ?? {})
    ? []
    : [`status ${res.statusCode} is not declared for ${route.method} ${route.url}`];
}

function describe(probe: Probe, res: InjectResponse): string {
  const payload =
    probe.payload === undefined
      ? ''
      : ` payload(${probe.payload.length})=${JSON.stringify(probe.payload.slice(0, 300))}`;
  const answer = ` -> ${res.statusCode} ${String(res.headers['content-type'] ?? '')} ${res.body.slice(0, 300)}`;
  return `${probe.kind}${probe.guarded ? ' guarded' : ''}: ${probe.method} ${probe.url.slice(0, 300)} headers=${JSON.stringify(probe.headers).slice(0, 400)}${payload}${answer}`;
}

// ---------------------------------------------------------------------------------------
// Generators

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD, as on the wire). */
function pct(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Header values a client can actually send: tab, visible ASCII, space and obs-text bytes. */
const headerChar = fc
  .oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
    { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  )
  .map((code) => String.fromCharCode(code));
const headerString = (maxLength = 60) => fc.string({ unit: headerChar, maxLength });

/** Strings that have broken services before: NUL, lone surrogates, bidi overrides, astral characters, long runs. */
const nastyString = fc.oneof(
  // What PostgreSQL cannot store, a third of the time.
  { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\ud83d', '\udfff\ud800') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u202eevil',
      '😀',
      '𝕏',
      'ﬃ',
      'İ',
      '\u00ad',
      '\r\n',
      '\\',
      '\\x00',
      '%',
      '%00',
      '_',
      "'; drop table offices; --",
      '${jndi:x}',
      'null',
      '0',
      '-1',
      '1e309',
      'NaN',
      'true',
      '__proto__',
      'constructor',
      'a'.repeat(1001),
      'b'.repeat(10_000),
      'ä'.repeat(600),
    ),
  },
);

const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: nastyString },
);

const hugeNumberString = fc.constantFrom(
  '1e400',
  '-1e400',
  '99999999999999999999999',
  '9223372036854775808',
  '-9223372036854775809',
  '0x10',
  '1.5',
  '-0',
  '00000000000000000001',
  'Infinity',
  '1_000',
);

const offsets = ['Z', '+00:00', '+01:00', '-05:30', '+23:59', '-23:59'];

/** Instants as ISO text, mostly around now (notices are about the coming days), some far off. */
const validInstant = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .integer({ min: -3 * 86_400_000, max: 30 * 86_400_000 })
      .map((ms) => new Date(Date.now() + ms).toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.date({ min: new Date('0002-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.constantFrom(...offsets),
      )
      .map(([d, offset]) => d.toISOString().replace(/\.\d{3}Z$/, offset)),
  },
);

/** Instants as ISO text: ordinary ones, and the edges a datetime pattern lets through. */
const isoInstant = fc.oneof(
  { weight: 6, arbitrary: validInstant },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.constantFrom(...offsets),
      )
      .map(([d, offset]) => d.toISOString().replace(/\.\d{3}Z$/, offset)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0000-01-01T00:00:00+23:59',
      '9999-12-31T23:59:59-23:59',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '0001-01-01T00:00:00-23:59',
      '9999-12-31T23:59:59.999+23:59',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2024-02-29T00:00:00Z',
      '1970-01-01T00:00:00.123456789Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01',
      'yesterday',
    ),
  },
);

interface Pools {
  officeId: string[];
  noticeId: string[];
  eventId: string[];
  tokenId: string[];
  district: string[];
  account: string[];
  etag: string[];
}

/** `value` with probability `p` (else null). */
const sometimes = <T>(value: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> =>
  fc.oneof(
    { weight: Math.round(p * 60), arbitrary: value },
    { weight: Math.round((1 - p) * 60), arbitrary: fc.constant(null) },
  );

/** Any value of a pool as it is when the request is generated (pools grow as the runs create things). */
const fromPool = (pool: readonly string[]) => fc.nat({ max: 1_000_000 }).map((i) => pool[i % pool.length] as string);

/** Values that name real things, so that handlers get past their lookups. */
function knownValues(pools: Pools, name: string): string[] {
  const key = name.toLowerCase();
  if (key.includes('office')) return pools.officeId;
  if (key.includes('notice') || key === 'replacesid') return pools.noticeId;
  if (key.includes('event')) return pools.eventId;
  if (key.includes('token')) return pools.tokenId;
  if (key.includes('district')) return pools.district;
  if (key.includes('account')) return pools.account;
  return [];
}

/** Strings a JSON Schema pattern (ECMA-262, Unicode mode) accepts, where fast-check can read the pattern. */
function matching(pattern: string, maxLength = 200): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(new RegExp(pattern, 'u')).filter((s) => s.length <= maxLength);
  } catch {
    return fc.string({ maxLength: Math.min(maxLength, 40) });
  }
}

const ABSENT = Symbol('absent');

/** A value the JSON schema accepts (mostly): the starting point for schema-shaped bodies. */
function fromSchema(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  pools: Pools,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (schema.$ref) {
    const target = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
    return fromSchema(doc, target, pools, name, depth + 1);
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => fromSchema(doc, s, pools, name, depth + 1)));
  if (schema.allOf?.length) return fromSchema(doc, schema.allOf[0], pools, name, depth + 1);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1)
    return fc.oneof(...types.map((type) => fromSchema(doc, { ...schema, type }, pools, name, depth + 1)));
  switch (types[0]) {
    case 'object': {
      // Each optional property present one time in three: bodies that take exactly one of
      // several (offices, account, district or event) then often get exactly one.
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(schema.properties ?? {}).map(([key, s]) => {
        const value = fromSchema(doc, s, pools, key, depth + 1);
        return (
          required.has(key)
            ? value
            : fc.oneof({ weight: 2, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: value })
        ).map((v) => [key, v] as const);
      });
      return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.filter(([, v]) => v !== ABSENT)));
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(fromSchema(doc, schema.items, pools, name, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)),
      });
    }
    case 'string': {
      const known = knownValues(pools, name);
      const own: fc.Arbitrary<string>[] = [];
      if (schema.format === 'date-time')
        own.push(fc.oneof({ weight: 12, arbitrary: validInstant }, { weight: 1, arbitrary: isoInstant }));
      else if (schema.format === 'uuid') own.push(fc.uuid());
      else if (schema.pattern) own.push(matching(schema.pattern, schema.maxLength));
      else own.push(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }));
      const generated = own[0] as fc.Arbitrary<string>;
      return known.length > 0
        ? fc.oneof({ weight: 2, arbitrary: fromPool(known) }, { weight: 1, arbitrary: generated })
        : generated;
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A wrong value: of another type, out of range, or made of nasty characters. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }) },
  { weight: 3, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, -1e308, 2 ** 53, 0.5, [], {}, [null], { a: 1 }, [
      'x'.repeat(300),
    ]),
  },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom('carlisle-8504', 'carlisle-8504', 'no-such-office-1', '', '\u0000'), {
      maxLength: 30,
    }),
  },
);

/**
 * A schema-shaped value with one thing wrong: a field deleted, retyped, nulled, tainted
 * (something nasty appended to a string: NUL, a lone surrogate...), or an unknown one added.
 */
function mutated(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const how = fc.constantFrom('delete', 'replace', 'null', 'taint', 'taint', 'add', 'wrap');
  return fc
    .tuple(shaped, fc.nat(), how, wrongValue, nastyString, fc.string({ minLength: 1, maxLength: 12 }))
    .map(([value, pick, how, wrong, nasty, newKey]) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return how === 'wrap' ? [value] : wrong;
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      const keys = Object.keys(copy);
      const key = keys.length > 0 ? (keys[pick % keys.length] as string) : newKey;
      const current = copy[key];
      if (how === 'taint') {
        if (typeof current === 'string') copy[key] = `${current}${nasty}`;
        else if (Array.isArray(current) && typeof current[0] === 'string')
          copy[key] = [`${current[0]}${nasty}`, ...current.slice(1)];
        else copy[key] = nasty;
      } else if (how === 'delete') delete copy[key];
      else if (how === 'replace') copy[key] = wrong;
      else if (how === 'null') copy[key] = null;
      else if (how === 'add') copy[newKey] = wrong;
      else return [copy];
      return copy;
    });
}

/** Instants at the ends of what the datetime pattern accepts (year 0000, year 9999, with extreme offsets). */
const farFuture = fc.constantFrom('9999-12-31T23:59:59Z', '9999-12-31T23:59:59-23:59', '9999-12-31T23:59:59.999+23:59');
const farPast = fc.constantFrom(
  '0000-01-01T00:00:00+23:59',
  '0000-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00-23:59',
  '1900-01-01T00:00:00Z',
);

/** An instant `minHours` to `maxHours` from now; now and then one in year 9999 instead. */
const hence = (minHours: number, maxHours: number) =>
  fc.oneof(
    {
      weight: 15,
      arbitrary: fc
        .integer({ min: minHours * 3_600_000, max: maxHours * 3_600_000 })
        .map((ms) => new Date(Date.now() + ms).toISOString()),
    },
    { weight: 1, arbitrary: farFuture },
  );
const publicText = fc.oneof(
  fc.constantFrom('Closed today because of heavy snow', 'Opening late: no heating', 'Cau heddiw oherwydd eira'),
  fc.string({ minLength: 1, maxLength: 200 }),
);
const optional = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined, freq: 2 });

/** Notices the domain accepts: an opening, a closure (perhaps with an expected reopening and an end), a delay. */
const validNotice = fc.oneof(
  fc.record({ status: fc.constant('open'), message: optional(publicText), until: optional(hence(1, 48)) }),
  fc.record({
    status: fc.constant('closed'),
    cause: fc.constantFrom(...CAUSES),
    message: optional(publicText),
    expectedReopenAt: optional(hence(2, 72)),
    until: optional(hence(80, 200)),
  }),
  fc.record({
    status: fc.constant('delayed'),
    cause: fc.constantFrom(...CAUSES),
    message: optional(publicText),
    expectedReopenAt: hence(1, 5),
    reopenCertainty: fc.constantFrom('confirmed', 'expected'),
  }),
  // Scheduled to start later, or backdated (to the ends of time too).
  fc.record({
    status: fc.constant('closed'),
    cause: fc.constantFrom(...CAUSES),
    from: fc.oneof({ weight: 3, arbitrary: hence(1, 24) }, { weight: 1, arbitrary: farPast }),
  }),
);

/**
 * Bodies that pass every rule of the write routes (the generic schema-shaped bodies rarely
 * satisfy the domain's cross-field rules), keyed by route. A route without one still gets
 * schema-shaped bodies.
 */
function validBodies(pools: Pools): Record<string, fc.Arbitrary<unknown>> {
  const someOffices = fc.subarray(pools.officeId.slice(0, 6), { minLength: 1 });
  return {
    'POST /offices/:officeId/notices': validNotice,
    'POST /notices/:noticeId/correction': validNotice,
    'POST /notices': fc
      .tuple(
        validNotice,
        fc.oneof(
          someOffices.map((offices) => ({ offices })),
          fc.constantFrom('105', '101').map((district) => ({ district })),
          fromPool(pools.account).map((account) => ({ account })),
          fromPool(pools.eventId).map((event) => ({ event })),
        ),
      )
      .map(([notice, target]) => ({ ...notice, ...target })),
    'POST /events': fc.record({ name: publicText, description: optional(publicText), offices: optional(someOffices) }),
    'POST /events/:eventId/offices': someOffices.map((offices) => ({ offices })),
    'POST /events/:eventId/end': fc.oneof(fc.constant({}), fc.record({ message: publicText })),
    'POST /notices/:noticeId/cancellation': fc.constant({}),
    'POST /admin/tokens': fc.oneof(
      fc.record({ name: publicText, role: fc.constantFrom('reader', 'admin') }),
      fc.record({ name: publicText, role: fc.constant('manager'), districtCodes: fc.constant(['105']) }),
    ),
  };
}

interface RouteInfo {
  method: string;
  url: string;
  /** The route's operation in the OpenAPI document of the public app, and of the guarded one (undefined: not documented). */
  operation: OpenApiOperation | undefined;
  guardedOperation: OpenApiOperation | undefined;
}

function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

function path(route: RouteInfo, value: (name: string) => fc.Arbitrary<string>): fc.Arbitrary<string> {
  const params = [...route.url.matchAll(/:(\w+)|\*/g)].map((m) => value(m[1] ?? '*'));
  return fc.tuple(...params).map((values) => {
    let i = 0;
    return route.url.replace(/:(\w+)|\*/g, () => values[i++] ?? '');
  });
}

function requestArbitrary(
  routes: readonly RouteInfo[],
  doc: OpenApiDocument,
  pools: Pools,
  tokens: Record<string, string>,
): fc.Arbitrary<Probe> {
  const paramValue = (name: string) =>
    fc.oneof(
      {
        weight: 8,
        arbitrary:
          knownValues(pools, name).length > 0
            ? fromPool(knownValues(pools, name))
            : fc.constantFrom('index.html', 'swagger-ui.css', 'swagger-initializer.js', 'x'),
      },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,40}$/) },
      { weight: 2, arbitrary: anyString.map(pct) },
      { weight: 1, arbitrary: fc.integer({ min: 190, max: 400 }).map((n) => 'a'.repeat(n)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          '%E0%A4%A',
          '%',
          '%%',
          '%ZZ',
          '%00',
          '%C0%AF',
          '%ED%A0%80',
          '%FF%FE',
          '..%2F..%2Fetc%2Fpasswd',
          '%2F',
          '.',
          '..',
          '%20',
          'carlisle-8504%00',
          'CARLISLE-8504',
          '%F0%9F%98%80',
        ),
      },
    );

  const queryValue = (name: string) =>
    fc.oneof(
      {
        weight: 3,
        arbitrary:
          knownValues(pools, name).length > 0
            ? fromPool(knownValues(pools, name))
            : fc.constantFrom('open', 'closed', 'true', 'all', '10', '0', 'carl'),
      },
      { weight: 2, arbitrary: anyString.map(pct) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom('105', 'carl', 'district-105', 'open', '10'), nastyString)
          .map(([v, nasty]) => pct(`${v}${nasty}`)),
      },
      { weight: 1, arbitrary: hugeNumberString.map(pct) },
      { weight: 1, arbitrary: isoInstant.map(pct) },
      { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%', '%ZZ', '%00', '') },
    );

  const query = (operation: OpenApiOperation | undefined) => {
    const documented = (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const key =
      documented.length > 0
        ? fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...documented) },
            { weight: 1, arbitrary: anyString.map(pct) },
          )
        : anyString.map(pct);
    const pair = key.chain((k) =>
      fc.oneof(
        { weight: 6, arbitrary: queryValue(k).map((v) => `${k}=${v}`) },
        { weight: 1, arbitrary: fc.constant(k) },
        { weight: 1, arbitrary: queryValue(k).map((v) => `${k}[]=${v}`) },
      ),
    );
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant('') },
      // Repeated keys make arrays of what the schema expects to be one value.
      { weight: 6, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '?',
          '?&&&',
          '?=',
          '?%E0%A4%A',
          '?a=%',
          '?limit=1&limit=2',
          '?__proto__[x]=1',
          `?q=${'x'.repeat(5000)}`,
        ),
      },
    );
  };

  const authorization = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(tokens.manager, tokens.admin).map((tok) => `Bearer ${tok}`) },
    { weight: 1, arbitrary: fc.constantFrom(tokens.reader, tokens.revoked).map((tok) => `Bearer ${tok}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `bearer   ${tokens.admin}`,
        `Bearer ${tokens.admin} extra`,
        `Bearer ${tokens.admin}x`,
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        'Token abc',
        `Bearer jcp_${'A'.repeat(300)}`,
      ),
    },
    { weight: 1, arbitrary: headerString().map((s) => `Bearer jcp_${s}`) },
    { weight: 1, arbitrary: headerString() },
  );

  const etagLike = fc.oneof(
    fromPool(pools.etag),
    fc.constantFrom('*', 'W/"x"', '"a", "b"', '""', ',', 'x'.repeat(1001)),
    headerString(80),
  );

  const contentType = fc.constantFrom(
    undefined,
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/json;',
    'text/plain',
    'text/plain; charset=utf-8',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/problem+json',
    'application/octet-stream',
    '*/*',
    '',
    'a/b/c;;',
    'application/json; boundary="',
    'application/jsonx',
  );

  const body = (operation: OpenApiOperation | undefined) => {
    const schema = Object.values(operation?.requestBody?.content ?? {})[0]?.schema;
    const shaped = schema ? fromSchema(doc, schema, pools) : fc.jsonValue({ maxDepth: 2 });
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 5, arbitrary: shaped.map((v) => JSON.stringify(v)) },
      { weight: 6, arbitrary: mutated(shaped).map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'undefined') },
      {
        weight: 2,
        arbitrary: fc.tuple(shaped, fc.nat()).map(([v, n]) => {
          const text = JSON.stringify(v);
          return text.slice(0, n % Math.max(text.length, 1));
        }),
      },
      { weight: 1, arbitrary: anyString },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 300_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '{"status":"closed","status":"open"}',
          '[]',
          'null',
          '""',
          '{',
          '\ufeff{}',
          '{"status":"open"}\u0000',
          '<notice status="closed"/>',
          'status=closed&cause=weather',
        ),
      },
      // Around the 1 MiB body limit: one byte under is parsed, one over is 413.
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: BODY_LIMIT - 64, max: BODY_LIMIT + 64 })
          .map((n) => `{"status":"closed","cause":"weather","message":"${'x'.repeat(Math.max(0, n - 50))}"}`),
      },
    );
  };

  const wild = (route: RouteInfo) =>
    fc.record({
      kind: fc.constant('wild' as const),
      route: fc.constant(`${route.method} ${route.url}`),
      guarded: fc.boolean(),
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(route.method as Method) },
        { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
      ),
      path: path(route, paramValue),
      query: query(route.operation),
      authorization,
      idempotencyKey: fc.option(
        fc.oneof(
          fc.uuid(),
          headerString(),
          fc.constantFrom('"quoted"', '""', 'k'.repeat(256), 'k'.repeat(300), 'seed-key'),
        ),
        { freq: 4 },
      ),
      ifMatch: fc.option(etagLike, { freq: 5 }),
      ifNoneMatch: fc.option(etagLike, { freq: 5 }),
      contentType,
      requestId: fc.option(headerString(), { freq: 8 }),
      payload: body(route.operation),
    });

  const examples = validBodies(pools);
  // Nearly right: the route's own method, real ids, a manager or admin token, a JSON body
  // shaped by the route's schema (sometimes with one thing wrong), so that the handlers run.
  const plausible = (route: RouteInfo) => {
    const schema = Object.values(route.operation?.requestBody?.content ?? {})[0]?.schema;
    const shaped = schema ? fromSchema(doc, schema, pools) : fc.constant({});
    const valid = examples[`${route.method} ${route.url}`];
    const good = valid ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: shaped }) : shaped;
    return fc.record({
      kind: fc.constant('plausible' as const),
      route: fc.constant(`${route.method} ${route.url}`),
      guarded: fc.boolean(),
      method: fc.constant(route.method as Method),
      path: path(route, (name) =>
        knownValues(pools, name).length > 0 ? fromPool(knownValues(pools, name)) : fc.constantFrom('index.html', 'x'),
      ),
      query: fc.oneof(fc.constant(''), query(route.operation)),
      authorization: fc
        .oneof(
          { weight: 4, arbitrary: fc.constant(tokens.admin) },
          { weight: 3, arbitrary: fc.constant(tokens.manager) },
          { weight: 1, arbitrary: fc.constant(tokens.reader) },
        )
        .map((tok) => `Bearer ${tok}`),
      // Mostly fresh keys; now and then one used before (a replay, or a reuse with another body).
      idempotencyKey: sometimes(
        fc.oneof(
          { weight: 4, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: fc.constantFrom('replayed-key', 'other-key') },
        ),
        1 / 3,
      ),
      ifMatch: sometimes(fromPool(pools.etag), 1 / 6),
      ifNoneMatch: sometimes(fromPool(pools.etag), 1 / 6),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
      requestId: fc.constant(null),
      payload: fc
        .oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: mutated(good) })
        .map((v) => (route.method === 'GET' || route.method === 'HEAD' ? undefined : JSON.stringify(v))),
    });
  };

  // Writes are where the state changes and most of the code is: they get more of the runs.
  const weightOf = (route: RouteInfo) =>
    route.url.startsWith('/docs') ? 1 : route.method === 'HEAD' ? 1 : route.method === 'GET' ? 3 : 8;
  // Built once per route (a schema's arbitraries are costly to build), then picked per run.
  return fc
    .oneof(
      ...routes.map((route) => ({
        weight: weightOf(route),
        arbitrary: fc.oneof({ weight: 1, arbitrary: wild(route) }, { weight: 1, arbitrary: plausible(route) }),
      })),
    )
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.authorization !== undefined) headers.authorization = r.authorization;
      if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
      if (r.ifMatch !== null) headers['if-match'] = r.ifMatch;
      if (r.ifNoneMatch !== null) headers['if-none-match'] = r.ifNoneMatch;
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      if (r.requestId !== null) headers['x-request-id'] = r.requestId;
      return {
        route: r.route,
        kind: r.kind,
        guarded: r.guarded,
        method: r.method,
        url: `${r.path}${r.query}`,
        headers,
        ...(r.payload === undefined ? {} : { payload: r.payload }),
      };
    });
}

/** Ids the API hands out become targets for later runs (corrections of new notices, ends of new events...). */
function harvest(pools: Pools, probe: Probe, res: InjectResponse): void {
  if (res.statusCode < 200 || res.statusCode >= 300 || probe.method !== 'POST') return;
  const add = (pool: string[], value: unknown) => {
    if (typeof value !== 'string' || pool.includes(value)) return;
    pool.push(value);
    if (pool.length > 40) pool.splice(4, 1); // keep the seeds, forget the oldest of the rest
  };
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return;
  }
  if (body.kind !== 'cancellation') add(pools.noticeId, body.noticeId); // a few cancellations are among the seeds
  const path = probe.url.split('?')[0];
  if (path === '/events') add(pools.eventId, body.id);
  if (path === '/admin/tokens') add(pools.tokenId, body.id);
  if (typeof res.headers.etag === 'string') add(pools.etag, res.headers.etag);
}

// ---------------------------------------------------------------------------------------

const closure = { status: 'closed', cause: 'weather', message: 'Closed today because of heavy snow' };

async function setup(t: Teardown) {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, registry, { actor: 'test' });
  // Credentials storage configured as server.ts does (without it, storing credentials is a deliberate 503), but no X to ask.
  const fanout = { credentialsKey: randomBytes(32), xTarget: { kind: 'x', baseUrl: 'https://api.x.com' } } as const;
  // The X webhook configured as server.ts always does (unconfigured, it is a deliberate 503), its
  // CRC's own rate limit high enough that the generated requests reach the route.
  const mentions = { appSecret: 'property-test-app-secret', crcRateLimit: { max: 1_000_000_000, windowMs: 60_000 } };
  const privacy = { optOutKey: randomBytes(32) };
  const open = await buildApp({ database, migrations, fanout, mentions, privacy });
  t.teardown(() => open.close());
  // Another instance on the same database with the optional guards on: every read needs a token, and a rate limit (high enough never to refuse here) runs its token lookups.
  const guarded = await buildApp({
    database,
    migrations,
    fanout,
    mentions,
    privacy,
    readAccess: 'token',
    rateLimit: { max: 1_000_000_000, windowMs: 60_000 },
  });
  t.teardown(() => guarded.close());
  const issue = (name: string, role: 'reader' | 'manager' | 'admin', districtCodes?: string[]) =>
    issueToken(database.db, { name, role, createdBy: 'test', ...(districtCodes ? { districtCodes } : {}) });
  const admin = await issueToken(database.db, { name: 'ops', role: 'admin', createdBy: 'test' });
  const manager = await issue('cumbria manager', 'manager', ['105']);
  const reader = await issue('gov.uk', 'reader');
  const revoked = await issue('old', 'reader');
  await revokeToken(database.db, revoked.record.id, 'test');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return { database, open, guarded, admin, manager, reader, revoked, bearer };
}

void t.test(
  'property: every route answers random and malformed requests without a 5xx, every error is problem+json, every status is declared in the OpenAPI document',
  async (t) => {
    const { database, open, guarded, admin, manager, reader, revoked, bearer } = await setup(t);
    await Promise.all([open.ready(), guarded.ready()]);

    // Things to point at: notices, events (one open, one ended), offices in and out of the manager's district.
    const post = async (url: string, payload: object) => {
      const res = await open.inject({ method: 'POST', url, headers: bearer(admin.token), payload });
      if (res.statusCode >= 300) t.fail(`fixture ${url}: ${res.body}`);
      return res.json<Record<string, unknown>>();
    };
    const cumbria = (
      await database.db
        .selectFrom('offices')
        .select('id')
        .where('district_code', '=', '105')
        .orderBy('id')
        .limit(3)
        .execute()
    ).map((o) => o.id);
    const closedForGood = (
      await database.db.selectFrom('offices').select('id').where('closed_permanently_on', 'is not', null).execute()
    ).map((o) => o.id);
    const carlisleNotice = String((await post('/offices/carlisle-8504/notices', closure)).noticeId);
    const bulkNotice = String((await post('/notices', { ...closure, district: '101' })).noticeId);
    const snow = String((await post('/events', { name: 'Snow', offices: ['carlisle-8504', ...cumbria] })).id);
    const flood = String((await post('/events', { name: 'Flood', offices: ['aberdare-9820'] })).id);
    await post(`/events/${flood}/end`, {});
    const cancellation = String((await post(`/notices/${bulkNotice}/cancellation`, {})).noticeId);
    const etag = String((await open.inject('/offices/carlisle-8504')).headers.etag);
    const account = (
      await database.db
        .selectFrom('offices')
        .select('account_id')
        .where('id', '=', 'carlisle-8504')
        .executeTakeFirstOrThrow()
    ).account_id;

    const pools: Pools = {
      officeId: ['carlisle-8504', 'aberdare-9820', 'alton-1683', ...cumbria, ...closedForGood],
      noticeId: [carlisleNotice, bulkNotice, cancellation],
      eventId: [snow, flood],
      tokenId: [manager.record.id, reader.record.id, revoked.record.id, admin.record.id],
      district: ['105', '101', '999'],
      account: [account, 'district-101'],
      etag: [etag, `W/${etag}`],
    };
    const tokens = { admin: admin.token, manager: manager.token, reader: reader.token, revoked: revoked.token };
    const live = [admin.record.id, manager.record.id, reader.record.id];

    const doc = open.swagger() as unknown as OpenApiDocument;
    const guardedDoc = guarded.swagger() as unknown as OpenApiDocument;
    const seen = new Set<string>();
    const routes: RouteInfo[] = [];
    for (const r of open.routeTable) {
      if (seen.has(`${r.method} ${r.url}`)) continue;
      seen.add(`${r.method} ${r.url}`);
      const operation = (d: OpenApiDocument) => d.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      routes.push({ method: r.method, url: r.url, operation: operation(doc), guardedOperation: operation(guardedDoc) });
    }
    t.ok(routes.length >= 40, `${routes.length} routes (HEAD included) from the app's own route table`);
    t.ok(
      routes.some((r) => r.url === '/offices/:officeId/notices' && r.operation?.requestBody),
      'documented bodies are found',
    );

    const byKey = new Map(routes.map((r) => [`${r.method} ${r.url}`, r]));
    let sent = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    // fc.check, not fc.assert: a failure is reported with the (truncated) description of the
    // request, not the whole counterexample, whose body can be a mebibyte (tap's reporter
    // spent minutes on such a message).
    const run = await fc.check(
      fc.asyncProperty(requestArbitrary(routes, doc, pools, tokens), async (probe) => {
        const app = probe.guarded ? guarded : open;
        let res: InjectResponse;
        try {
          sent += 1;
          res = await app.inject({
            method: probe.method,
            url: probe.url,
            headers: probe.headers,
            ...(probe.payload === undefined ? {} : { payload: probe.payload }),
          });
        } finally {
          // A run may revoke one of the tokens the generators use: bring it back for the next run.
          await database.db
            .updateTable('api_tokens')
            .set({ revoked_at: null })
            .where('id', 'in', live)
            .where('revoked_at', 'is not', null)
            .execute();
        }
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        harvest(pools, probe, res);
        const wrong = [...violations(probe, res), ...undeclared(probe, res, byKey.get(probe.route))];
        if (wrong.length > 0) throw new Error(`${wrong.join('; ')}\n  ${describe(probe, res)}`);
      }),
      {
        numRuns: RUNS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(FC_PATH === undefined ? {} : { path: FC_PATH }),
      },
    );
    if (run.failed) {
      const error = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
      t.fail(
        `property failed after ${run.numRuns} runs (replay: FC_SEED=${run.seed} FC_PATH="${run.counterexamplePath ?? ''}"; shrunk ${run.numShrinks} times): ${error.slice(0, 3000)}`,
      );
    }
    const seconds = (Date.now() - started) / 1000;
    t.comment(
      `${sent} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    t.ok(
      [...statuses.keys()].some((s) => s >= 200 && s < 300),
      'some requests succeed',
    );
    t.ok([...statuses.keys()].filter((s) => s >= 400).length >= 6, 'and many kinds of error are met');
  },
);

void t.test('regressions found by the properties above', async (t) => {
  const { database, open, admin, manager, bearer } = await setup(t);
  const count = async () =>
    Number(
      (
        await database.db
          .selectFrom('status_notices')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const send = (method: 'GET' | 'POST', url: string, payload?: string, token = admin.token) =>
    open.inject({
      method,
      url,
      headers: { ...bearer(token), 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { payload }),
    });
  const isProblem = (res: InjectResponse, status: number, detail: RegExp, what: string) => {
    t.equal(res.statusCode, status, `${what}: ${res.body}`);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem+json`);
    t.match(res.json(), { status, title: String, type: String, detail }, `${what}: the problem says why`);
  };

  // 1. U+0000 in text that reaches PostgreSQL was a 500 (22021 invalid byte sequence), and an
  //    unpaired surrogate a 500 where the text lands in jsonb (the audit log, idempotency
  //    answers) or was silently stored as U+FFFD in a text column (a token name).
  const before = await count();
  const textCases: [string, string, string | undefined, RegExp][] = [
    [
      'POST',
      '/offices/carlisle-8504/notices',
      '{"status":"closed","cause":"weather","message":"a\\u0000b"}',
      /body\/message must not contain U\+0000/,
    ],
    [
      'POST',
      '/offices/carlisle-8504/notices',
      '{"status":"closed","cause":"weather","message":"snow \\ud83d"}',
      /body\/message .*unpaired UTF-16 surrogate/,
    ],
    ['POST', '/notices', '{"status":"open","district":"105\\u0000"}', /body\/district/],
    ['POST', '/notices', '{"status":"open","account":"\\u0000"}', /body\/account/],
    ['POST', '/events', '{"name":"Snow\\u0000"}', /body\/name/],
    ['POST', '/events', '{"name":"Snow","description":"\\udc00"}', /body\/description/],
    [
      'POST',
      '/admin/tokens',
      '{"name":"x","role":"manager","districtCodes":["105","1\\u00000"]}',
      /body\/districtCodes\/1/,
    ],
    ['POST', '/admin/tokens', '{"name":"phone lines \\ud800","role":"reader"}', /body\/name/],
    ['GET', '/offices?district=105%00', undefined, /querystring\/district/],
    ['GET', '/offices?account=%00', undefined, /querystring\/account/],
  ];
  for (const [method, url, payload, detail] of textCases) {
    const res = await send(method as 'GET' | 'POST', url, payload);
    isProblem(res, 400, detail, `${method} ${url} ${payload ?? ''}`);
    t.match(res.json(), { type: /invalid-text$/, errors: [{ path: String, message: String }] });
  }
  t.equal(await count(), before, 'nothing was written');
  const tokens = await database.db.selectFrom('api_tokens').select('name').execute();
  t.notOk(
    tokens.some((row) => row.name.includes('\ufffd')),
    'no token name was mangled',
  );
  // Paired surrogates (an emoji) are text like any other.
  const emoji = await send(
    'POST',
    '/offices/carlisle-8504/notices',
    JSON.stringify({ status: 'closed', cause: 'weather', message: 'Closed: snow ❄️ 😀' }),
    manager.token,
  );
  t.equal(emoji.statusCode, 201, emoji.body);
  // The check walks the body without recursion: a deeply nested one is a 400, not a stack overflow.
  isProblem(
    await send('POST', '/notices', `${'['.repeat(200_000)}${']'.repeat(200_000)}`),
    400,
    /body/,
    'a deeply nested body',
  );

  // 2. Instants the datetime pattern allows but the database cannot hold: year 0 (before the
  //    offset is applied, or after) and past year 9999 were a 500 on PGlite (22007 / 22009).
  for (const [field, value] of [
    ['from', '0000-01-01T00:00:00+23:59'],
    ['until', '9999-12-31T23:59:59-23:59'],
    ['expectedReopenAt', '9999-12-31T23:59:59-23:59'],
    ['from', '0000-12-31T23:59:59Z'],
  ] as const) {
    const res = await send(
      'POST',
      '/offices/carlisle-8504/notices',
      JSON.stringify({ status: 'closed', cause: 'weather', [field]: value }),
    );
    isProblem(
      res,
      400,
      new RegExp(`body/${field} must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z`),
      `${field} ${value}`,
    );
  }
  isProblem(
    await send('GET', `/offices?changedSince=${encodeURIComponent('9999-12-31T23:59:59-23:59')}`),
    400,
    /querystring\/changedSince must fall between/,
    'changedSince in year 10000',
  );
  const edge = await send(
    'POST',
    '/offices/carlisle-8504/notices',
    JSON.stringify({
      status: 'closed',
      cause: 'weather',
      expectedReopenAt: '9999-12-31T23:59:59Z',
      until: '9999-12-31T23:59:59.999+23:59',
    }),
  );
  t.equal(edge.statusCode, 201, `the last instants of year 9999 are fine: ${edge.body}`);
  t.equal(
    (await send('GET', '/offices?changedSince=0001-01-01T00:00:00Z')).statusCode,
    200,
    'so is the first of year 1',
  );

  // 3. On PGlite a bigint came back as a JS number: GET /statuses was a 500 once any status
  //    had changed (its cursor failed the schema), and the feed's cursors were JSON numbers.
  const statuses = await open.inject('/statuses');
  t.equal(statuses.statusCode, 200, statuses.body.slice(0, 300));
  t.type(statuses.json<{ cursor: unknown }>().cursor, 'string', 'the status document cursor is a string');
  const feed = await open.inject('/changes?after=0');
  t.equal(feed.statusCode, 200);
  const page = feed.json<{ cursor: unknown; changes: { cursor: unknown }[] }>();
  t.ok(page.changes.length > 0);
  t.ok(
    page.changes.every((c) => typeof c.cursor === 'string') && typeof page.cursor === 'string',
    'feed cursors are strings',
  );
  const history = await open.inject('/offices/carlisle-8504/history');
  t.ok(
    history.json<{ changes: { cursor: unknown }[] }>().changes.every((c) => typeof c.cursor === 'string'),
    'history cursors too',
  );

  // 4. Statuses the router and Fastify answer for any route were missing from the OpenAPI
  //    document (a 400 for a too long If-None-Match on GET /statuses, 413 and 415 on
  //    DELETE, which reads a body too): the property above now holds each answer to its operation.
  isProblem(
    await open.inject({ url: '/statuses', headers: { 'if-none-match': 'x'.repeat(1001) } }),
    400,
    /headers\/if-none-match/,
    'a too long If-None-Match',
  );
  isProblem(
    await open.inject({
      method: 'DELETE',
      url: `/admin/tokens/${manager.record.id}`,
      headers: { ...bearer(admin.token), 'content-type': 'application/xml' },
      payload: '<x/>',
    }),
    415,
    /Unsupported Media Type/,
    'DELETE with an XML body',
  );
  const doc = open.swagger() as unknown as OpenApiDocument;
  t.ok(doc.paths['/statuses']?.get?.responses?.['400'], 'GET /statuses declares its 400');
  t.ok(doc.paths['/admin/tokens/{tokenId}']?.delete?.responses?.['415'], 'DELETE declares 415');
});
