/**
 * The OpenAPI document is valid OpenAPI 3.1 (checked by a real validator, not by eye),
 * and it says what the API does: every operation is summarised and tagged, every error
 * is application/problem+json with the Problem schema, and a route that needs a token
 * declares `security` (and one that declares it does need a token), in both read modes.
 */
import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildApp, PROBLEM_JSON } from '@jcp/api';
import { importOfficeRegistry, readMigrations, readRegistryFiles } from '@jcp/db';
import { createTestDatabase, type Teardown } from '@jcp/testing';
import t from 'tap';
import { openApiFile } from '../../scripts/openapi.js';

const migrations = await readMigrations();
const registry = await readRegistryFiles();

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function operations(doc: Document): { key: string; path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op })),
  );
}

/**
 * Operations that cannot answer a client error, so declare none: the probes take no
 * input, are never rate limited and never need a token (README: Endpoints).
 */
const NO_CLIENT_ERROR = new Set(['GET /healthz', 'GET /readyz']);

/** A body each write route accepts, so that an anonymous request gets past validation to the token check. */
const MINIMAL_BODIES: Record<string, unknown> = {
  'POST /offices/{officeId}/notices': { status: 'open' },
  'POST /notices': { status: 'open', district: '105' },
  'POST /notices/{noticeId}/correction': { status: 'open' },
  'POST /notices/{noticeId}/cancellation': {},
  'POST /events': { name: 'Snow' },
  'POST /events/{eventId}/offices': { offices: ['carlisle-8504'] },
  'POST /events/{eventId}/end': {},
  'POST /inbox/{mentionId}/handled': {},
  'POST /inbox/{mentionId}/reopen': {},
  'POST /admin/tokens': { name: 'x', role: 'reader' },
  'PUT /admin/accounts/{accountId}': { name: 'x', handle: 'x' },
  'PATCH /admin/accounts/{accountId}': {},
  'PUT /admin/accounts/{accountId}/credentials': { accessToken: 'x', accessSecret: 'x' },
  'POST /admin/accounts/{accountId}/pause': {},
  'POST /admin/accounts/{accountId}/resume': {},
  'POST /admin/delivery/pause': {},
  'POST /admin/delivery/resume': {},
  // The X webhook: signed by X, not a bearer token (these apps have no X secret, so it answers 503).
  'POST /webhooks/x': {},
};

/** Real-looking values for path parameters: an office that exists, a change cursor, any well-formed uuid otherwise. */
function fillPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_all, name: string) =>
    name === 'officeId'
      ? 'carlisle-8504'
      : name === 'seq' || name === 'mentionId'
        ? '1'
        : '6a1f0b57-4b8e-4c36-9a7c-3f0e5d2c1b9a',
  );
}

async function documents(t: Teardown) {
  const database = await createTestDatabase(t);
  await importOfficeRegistry(database.db, registry, { actor: 'test' });
  const open = await buildApp({ database, migrations });
  t.teardown(() => open.close());
  const guarded = await buildApp({ database, migrations, readAccess: 'token' });
  t.teardown(() => guarded.close());
  await Promise.all([open.ready(), guarded.ready()]);
  return [
    { mode: 'public reads', app: open, doc: open.swagger() as unknown as Document },
    { mode: 'READ_ACCESS=token', app: guarded, doc: guarded.swagger() as unknown as Document },
  ];
}

void t.test(
  'the committed document and both live ones pass the OpenAPI 3.1 validator (@apidevtools/swagger-parser)',
  async (t) => {
    const committed = JSON.parse(await readFile(openApiFile, 'utf8')) as Document;
    t.equal(committed.openapi, '3.1.0');
    const candidates: [string, Document][] = [
      ['openapi/openapi.json', committed],
      ...(await documents(t)).map(({ mode, doc }) => [mode, doc] as [string, Document]),
    ];
    for (const [name, doc] of candidates) {
      // validate() dereferences in place: give it a copy. It resolves every $ref as it goes.
      const validated = await SwaggerParser.validate(structuredClone(doc) as never).then(
        () => null,
        (error: unknown) => String(error),
      );
      t.equal(validated, null, `${name} is valid OpenAPI 3.1`);
    }
    // The validator does not check that a templated path declares its parameters.
    for (const { key, path, op } of operations(committed)) {
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        t.ok(
          op.parameters?.some((p) => p.in === 'path' && p.name === name && p.required === true),
          `${key} declares its path parameter ${name}, required`,
        );
      }
    }
  },
);

void t.test(
  'every operation has a summary and a declared tag, and every error is application/problem+json with the Problem schema',
  async (t) => {
    for (const { mode, doc } of await documents(t)) {
      const tags = new Set((doc.tags ?? []).map((tag) => tag.name));
      t.ok(doc.components?.schemas?.Problem, `${mode}: the Problem schema is a component`);
      const ops = operations(doc);
      t.ok(ops.length >= 20, `${mode}: ${ops.length} operations`);
      for (const { key, op } of ops) {
        t.ok(op.summary?.trim(), `${mode}: ${key} has a summary`);
        t.ok(op.tags?.length, `${mode}: ${key} has a tag`);
        for (const tag of op.tags ?? [])
          t.ok(tags.has(tag), `${mode}: ${key}'s tag ${tag} is described in the document's tags`);
        const responses = Object.entries(op.responses ?? {});
        const errors = responses.filter(([status]) => /^[45]/.test(status));
        for (const [status, response] of errors) {
          t.same(
            Object.keys(response.content ?? {}),
            [PROBLEM_JSON],
            `${mode}: ${key} ${status} is ${PROBLEM_JSON} only`,
          );
          t.equal(
            response.content?.[PROBLEM_JSON]?.schema?.$ref,
            '#/components/schemas/Problem',
            `${mode}: ${key} ${status} is a Problem`,
          );
          t.not(response.description, 'Default Response', `${mode}: ${key} ${status} says what it means`);
        }
        for (const [status, response] of responses.filter(([s]) => /^[123]/.test(s))) {
          t.notOk(response.content?.[PROBLEM_JSON], `${mode}: ${key} ${status} is not a problem`);
        }
        // Everything but liveness reads the database, which may be down.
        if (key !== 'GET /healthz') t.ok(op.responses?.['503'], `${mode}: ${key} declares its 503`);
        if (NO_CLIENT_ERROR.has(key)) {
          t.notOk(op.security, `${mode}: ${key} is open to anyone`);
          continue;
        }
        t.ok(
          errors.some(([status]) => status.startsWith('4')),
          `${mode}: ${key} declares a 4xx problem`,
        );
      }
    }
  },
);

void t.test(
  'a route declares security exactly when an anonymous caller is refused with 401, in both read modes',
  async (t) => {
    for (const { mode, app, doc } of await documents(t)) {
      const schemes = Object.keys(doc.components?.securitySchemes ?? {});
      for (const { key, path, method, op } of operations(doc)) {
        for (const requirement of op.security ?? []) {
          for (const scheme of Object.keys(requirement))
            t.ok(schemes.includes(scheme), `${mode}: ${key} uses the declared scheme ${scheme}`);
        }
        const hasBody = method !== 'get' && method !== 'head' && method !== 'delete';
        if (hasBody && !(key in MINIMAL_BODIES)) {
          t.fail(`${key} is new: add a body it accepts to MINIMAL_BODIES so that this test can check its security`);
          continue;
        }
        const res = await app.inject({
          method: method.toUpperCase() as 'GET',
          url: fillPath(path),
          ...(hasBody ? { payload: MINIMAL_BODIES[key] as object } : {}),
        });
        const declared = (op.security ?? []).length > 0;
        t.equal(
          res.statusCode === 401,
          declared,
          `${mode}: ${key} answers an anonymous caller ${res.statusCode} and ${declared ? 'declares' : 'does not declare'} security`,
        );
        if (res.statusCode === 401) t.ok(op.responses?.['401'], `${mode}: ${key} declares the 401`);
      }
    }
  },
);

void t.test('a body the route also accepts empty is documented as optional; the others as required', async (t) => {
  const doc = JSON.parse(await readFile(openApiFile, 'utf8')) as {
    paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
  };
  t.equal(doc.paths['/notices/{noticeId}/cancellation']?.post?.requestBody?.required, false);
  t.equal(doc.paths['/events/{eventId}/end']?.post?.requestBody?.required, false);
  t.equal(doc.paths['/notices']?.post?.requestBody?.required, true);
  t.equal(doc.paths['/offices/{officeId}/notices']?.post?.requestBody?.required, true);
});
