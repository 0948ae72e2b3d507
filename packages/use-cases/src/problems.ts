/**
 * The problem catalogue: every refusal the service gives, defined once by its code, with
 * its HTTP status and its title (RFC 9457: the same for every occurrence of the code).
 * Use cases and routes throw them by name (`fail('NOTICE_NOT_FOUND', detail)`); the API
 * turns a `Problem` into application/problem+json and derives the OpenAPI document's error
 * responses from this table, so a code, its status and its title cannot drift apart.
 */
export interface ProblemDefinition {
  readonly status: number;
  readonly title: string;
}

export const PROBLEMS = {
  // 400: the request is not valid
  INVALID_TEXT: { status: 400, title: 'Text with a control or format character' },
  BAD_CURSOR: { status: 400, title: 'The cursor is not one this service gave' },
  BAD_IDEMPOTENCY_KEY: { status: 400, title: 'The Idempotency-Key is not valid' },
  ACCOUNT_REJECTED: { status: 400, title: 'The account settings are not valid' },
  X_USER_ID_REQUIRED: { status: 400, title: 'The X user id is required' },
  NOT_A_DELIVERY: { status: 400, title: 'Not an X webhook delivery' },
  // 401: who is calling is not known
  AUTHENTICATION_REQUIRED: { status: 401, title: 'A bearer token is required' },
  BAD_AUTHORIZATION: { status: 401, title: 'The Authorization header is not a bearer token' },
  INVALID_TOKEN: { status: 401, title: 'The token is unknown or revoked' },
  INVALID_SIGNATURE: { status: 401, title: 'The signature is not valid' },
  // 403: the caller may not do this
  ROLE_REQUIRED: { status: 403, title: "The token's role does not allow this" },
  OUT_OF_SCOPE: { status: 403, title: "The token's districts and accounts do not cover this" },
  EVENT_OUT_OF_SCOPE: { status: 403, title: "The token's districts and accounts do not cover this event" },
  // 404: nothing by that name
  NOT_FOUND: { status: 404, title: 'Not Found' },
  OFFICE_NOT_FOUND: { status: 404, title: 'No such office' },
  DISTRICT_NOT_FOUND: { status: 404, title: 'No such district' },
  ACCOUNT_NOT_FOUND: { status: 404, title: 'No such account' },
  NOTICE_NOT_FOUND: { status: 404, title: 'No such notice' },
  EVENT_NOT_FOUND: { status: 404, title: 'No such event' },
  CHANGE_NOT_FOUND: { status: 404, title: 'No such status change' },
  TOKEN_NOT_FOUND: { status: 404, title: 'No such token' },
  MENTION_NOT_FOUND: { status: 404, title: 'No such mention' },
  NOT_IN_INBOX: { status: 404, title: 'The mention is not in the inbox' },
  // 409: the current state does not allow it
  ACCOUNT_EXISTS: { status: 409, title: 'The account already exists' },
  HANDLE_TAKEN: { status: 409, title: 'Another account has this handle' },
  EVENT_ENDED: { status: 409, title: 'The event has ended' },
  NOTICE_REPLACED: { status: 409, title: 'The notice was replaced' },
  NOTICE_IS_CANCELLATION: { status: 409, title: 'The notice is a cancellation' },
  LAST_ADMIN_TOKEN: { status: 409, title: 'The last admin token cannot be revoked' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: 'A request with this Idempotency-Key is still running' },
  X_BINDING_CONFLICT: { status: 409, title: 'The database belongs to another X' },
  // 412: the caller's view is out of date
  STATUS_CHANGED: { status: 412, title: 'The office changed since the ETag was read' },
  // 422: well formed, but refused
  NOTICE_REJECTED: { status: 422, title: 'The notice is refused' },
  NO_OFFICES: { status: 422, title: 'No office matches' },
  UNKNOWN_OFFICES: { status: 422, title: 'Unknown offices' },
  TOKEN_REJECTED: { status: 422, title: 'The token is refused' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used for another request' },
  X_REJECTED_CREDENTIALS: { status: 422, title: 'X rejected the credentials' },
  X_UNEXPECTED_ANSWER: { status: 422, title: 'X gave an answer that is not valid' },
  CREDENTIALS_FOR_ANOTHER_ACCOUNT: { status: 422, title: 'The credentials are for another account' },
  X_USER_ID_MISMATCH: { status: 422, title: 'The X user id is not the credentials’ user' },
  // 429: too many
  RATE_LIMITED: { status: 429, title: 'Too Many Requests' },
  // 503: try again later
  NOT_READY: { status: 503, title: 'The service is not ready' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'The status database cannot be reached' },
  X_UNAVAILABLE: { status: 503, title: 'X cannot be reached' },
  CREDENTIALS_STORAGE_NOT_CONFIGURED: { status: 503, title: 'Credentials cannot be stored here' },
  WEBHOOK_NOT_CONFIGURED: { status: 503, title: 'The X webhook is not configured' },
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemCode = keyof typeof PROBLEMS;

/** A refusal from the catalogue: its code names it, the detail says what happened this time. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly extensions: Readonly<Record<string, unknown>>;
  constructor(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'Problem';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.title = PROBLEMS[code].title;
    this.extensions = extensions;
  }
}

/** `throw fail('NOTICE_NOT_FOUND', ...)`: a Problem by its catalogue name. */
export function fail(code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return new Problem(code, detail, extensions);
}

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}

/** The codes of one status, in catalogue order (the OpenAPI document lists them per response). */
export function problemCodesWithStatus(status: number): ProblemCode[] {
  return (Object.keys(PROBLEMS) as ProblemCode[]).filter((code) => PROBLEMS[code].status === status);
}
