import { isDatabaseUnavailable, NoticeRejected } from '@jcp/db';
import { fail, noticeRejected, Problem } from '@jcp/use-cases';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const PROBLEM_JSON = 'application/problem+json';

/** An RFC 9457 problem document, as sent. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** Reason phrases, for the client errors Fastify itself raises (bad JSON, body too large, validation). */
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

/** The `type` URI of a problem code (a catalogue code, or Fastify's own). */
export function problemType(code: string): string {
  return `https://jcp-status.dwp.example/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

export function sendProblem(reply: FastifyReply, problem: ProblemDocument): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_JSON).send(problem);
}

function fromCatalogue(problem: Problem, instance: string): ProblemDocument {
  return {
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    instance,
    ...problem.extensions,
  };
}

export function toProblem(error: FastifyError | Error, request: FastifyRequest): ProblemDocument {
  const instance = request.url.split('?')[0] ?? request.url;
  if (error instanceof Problem) return fromCatalogue(error, instance);
  // The repository's guard (appendNotice): a rule some use case did not check first, answered as the use cases would.
  if (error instanceof NoticeRejected) return fromCatalogue(noticeRejected(error.message, error.problems), instance);
  if (isDatabaseUnavailable(error)) {
    return fromCatalogue(
      fail('DATABASE_UNAVAILABLE', 'The status database cannot be reached. Try again shortly.'),
      instance,
    );
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
    // A catalogue problem is a decision (not ready, X not configured): no stack. Anything else at 5xx is a fault.
    if (problem.status >= 500 && !(error instanceof Problem)) request.log.error({ err: error }, 'request failed');
    else if (problem.status >= 500) request.log.warn({ code: problem.type, status: problem.status }, 'request refused');
    else request.log.info({ code: problem.type, status: problem.status }, 'request refused');
    if (problem.status === 503) reply.header('retry-after', '5');
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="jcp-status"');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      fromCatalogue(
        fail('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`),
        request.url.split('?')[0] ?? request.url,
      ),
    ),
  );
}
