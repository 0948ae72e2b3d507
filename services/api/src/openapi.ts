import { PROBLEMS, problemCodesWithStatus } from '@jcp/use-cases';
import { PROBLEM_JSON, problemType } from './errors.js';
import { problemSchema } from './schemas.js';

/** The parts of an OpenAPI document this module rewrites (the rest passes through untouched). */
interface MediaTypes {
  [mediaType: string]: unknown;
}
interface ResponseObject {
  content?: MediaTypes;
  [key: string]: unknown;
}
interface OperationObject {
  responses?: Record<string, ResponseObject | undefined>;
  [key: string]: unknown;
}
interface DocumentWithPaths {
  paths?: Record<string, Record<string, unknown> | undefined>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** What each error status means, whatever the route (the catalogue adds the codes). */
const STATUS_MEANINGS: Record<string, string> = {
  400: 'Bad Request: a parameter, header or body is not valid (the problem lists each under `errors`)',
  401: 'Unauthorized: no bearer token, or an unknown or revoked one',
  403: "Forbidden: the token's role, districts or accounts do not cover this",
  404: 'Not Found',
  409: 'Conflict with the current state',
  412: 'Precondition Failed: If-Match does not match the current ETag',
  413: 'Content Too Large: the body is over 1 MiB',
  414: 'URI Too Long: a path parameter is over 200 characters',
  415: 'Unsupported Media Type: send application/json',
  422: 'Unprocessable Content: well-formed but refused (the problem says why)',
  429: 'Too Many Requests: over the rate limit; retry after Retry-After',
  503: 'Service Unavailable: the database cannot be reached; retry after Retry-After',
};

/**
 * The description of an error response: what the status means, then every problem of the
 * catalogue with that status (its `type` ends with the code in kebab case), so the document
 * cannot list a code the service does not have, or miss one it has.
 */
export function errorDescription(status: string): string | undefined {
  const meaning = STATUS_MEANINGS[status];
  const codes = /^\d{3}$/.test(status) ? problemCodesWithStatus(Number(status)) : [];
  if (codes.length === 0) return meaning;
  const list = codes.map((code) => `\`${problemType(code).split('/').pop() ?? code}\` (${PROBLEMS[code].title})`);
  return `${meaning ?? `Error ${status}`}. Problem types: ${list.join(', ')}`;
}

/** The route fields `documentStandardErrors` reads (a Fastify route schema and config). */
interface RouteSchemaInput {
  schema?: unknown;
  route?: { method?: string | string[]; config?: unknown };
}

/** Methods whose body Fastify reads (and so may refuse as too large or of an unknown type), with or without a body schema. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Adds to a route's schema the errors every route of its kind can answer, whatever its
 * handler does, so that the document lists them too: 400 where anything is validated,
 * 414 with path parameters, 413 and 415 where Fastify reads a body, and 429 unless the
 * route is exempt from the rate limit. A route's own declaration of a status wins. For @fastify/swagger's
 * `transform`, before the zod schemas become JSON Schema.
 */
export function documentStandardErrors<T extends RouteSchemaInput>(input: T): T {
  const schema = input.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return input;
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  const standard: Record<string, unknown> = {};
  if (schema.params || schema.querystring || schema.headers || schema.body) standard[400] = problemSchema;
  if (schema.params) standard[414] = problemSchema;
  const methods = [input.route?.method ?? []].flat().map((m) => m.toUpperCase());
  if (schema.body || methods.some((m) => BODY_METHODS.has(m))) {
    standard[413] = problemSchema;
    standard[415] = problemSchema;
  }
  if ((input.route?.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false) standard[429] = problemSchema;
  return { ...input, schema: { ...schema, response: { ...standard, ...declared } } };
}

/** Whether a response key of an OpenAPI operation (`404`, `4XX`, `default`) stands for an error. */
export function isErrorResponseKey(key: string): boolean {
  return key === 'default' || /^[45](?:\d\d|XX)$/i.test(key);
}

/**
 * Every error the API sends is `application/problem+json` (RFC 9457), whatever media
 * type @fastify/swagger gave the route's error schemas (it writes `application/json`
 * for every response): the document says what the wire carries. A request body whose
 * schema allows null (the client may send none) is marked optional.
 */
export function declareProblemResponses<T>(document: T): T {
  const paths = (document as DocumentWithPaths).paths ?? {};
  for (const pathItem of Object.values(paths)) {
    if (!pathItem) continue;
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!HTTP_METHODS.has(method) || typeof operation !== 'object' || operation === null) continue;
      // A body whose schema also allows null (no body at all) is optional.
      const body = (
        operation as {
          requestBody?: { required?: boolean; content?: Record<string, { schema?: { anyOf?: { type?: string }[] } }> };
        }
      ).requestBody;
      if (body && Object.values(body.content ?? {}).some((m) => m.schema?.anyOf?.some((s) => s.type === 'null')))
        body.required = false;
      const responses = (operation as OperationObject).responses ?? {};
      for (const [key, response] of Object.entries(responses)) {
        if (!response || !isErrorResponseKey(key)) continue;
        if (response.description === 'Default Response')
          response.description = errorDescription(key) ?? response.description;
        const media = Object.values(response.content ?? {});
        // One problem document per error, whatever the route declared it as.
        if (media.length > 0) response.content = { [PROBLEM_JSON]: media[0] };
      }
    }
  }
  return document;
}
