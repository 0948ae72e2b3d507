import { isDatabaseUnavailable, NoticeRejected } from '@jcp/db';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const PROBLEM_JSON = 'application/problem+json';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** An error the API answers with its own status and a stable code. */
export class HttpProblem extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly extensions: Record<string, unknown>;
  constructor(statusCode: number, code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpProblem';
    this.statusCode = statusCode;
    this.code = code;
    this.extensions = extensions;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Notice fields as the API names them, where the domain's names differ. */
const API_FIELD: Record<string, string> = { activeFrom: 'from', activeUntil: 'until' };

function problemType(code: string): string {
  return `https://jcp-status.dwp.example/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_JSON).send(problem);
}

export function toProblem(error: FastifyError | HttpProblem | Error, request: FastifyRequest): Problem {
  const instance = request.url.split('?')[0] ?? request.url;
  if (error instanceof HttpProblem) {
    return {
      type: problemType(error.code),
      title: TITLES[error.statusCode] ?? 'Error',
      status: error.statusCode,
      detail: error.message,
      instance,
      ...error.extensions,
    };
  }
  if (error instanceof NoticeRejected) {
    return {
      type: problemType('NOTICE_REJECTED'),
      title: TITLES[422] ?? 'Unprocessable Content',
      status: 422,
      detail: error.message,
      instance,
      errors: error.problems.map((p) => ({ path: `/${API_FIELD[p.field] ?? p.field}`, message: p.reason })),
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      type: problemType('DATABASE_UNAVAILABLE'),
      title: TITLES[503] ?? 'Service Unavailable',
      status: 503,
      detail: 'The status database cannot be reached. Try again shortly.',
      instance,
    };
  }
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, body too large, validation) are safe to describe.
    return {
      type: problemType(fastifyError.code ?? 'BAD_REQUEST'),
      title: TITLES[status] ?? 'Bad Request',
      status,
      detail: fastifyError.message,
      instance,
      ...(fastifyError.validation
        ? { errors: fastifyError.validation.map((v) => ({ path: v.instancePath, message: v.message })) }
        : {}),
    };
  }
  return {
    type: 'about:blank',
    title: TITLES[500] ?? 'Internal Server Error',
    status: 500,
    detail: 'An unexpected error occurred.',
    instance,
  };
}

/** One error handler and one not-found handler for the whole app. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.type, status: problem.status }, 'request refused');
    if (problem.status === 503) reply.header('retry-after', '5');
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="jcp-status"');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: problemType('NOT_FOUND'),
      title: 'Not Found',
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      instance: request.url.split('?')[0] ?? request.url,
    }),
  );
}
