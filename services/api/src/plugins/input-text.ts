import { firstControlOrFormat, UNSTORABLE_TEXT } from '@jcp/domain';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { fail } from '@jcp/use-cases';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The request relays text written outside the service (X's webhook deliveries: what
     * citizens posted), not a caller's own free text: it is not checked here at all. Control
     * and format characters pass (the redactor and classifier read the text as it is), and so
     * do U+0000 and unpaired surrogates, which the route's own boundary replaces with U+FFFD
     * (capMentionText) before anything is stored: a refused delivery would be delivered
     * again and again, and the mention never answered.
     */
    relaysOutsideText?: boolean;
  }
}

const UNSTORABLE_REASON = 'must not contain U+0000 or an unpaired UTF-16 surrogate';

/**
 * Why a caller's free text is refused, or null: text PostgreSQL cannot store
 * (UNSTORABLE_TEXT), or a control or format character (CONTROL_OR_FORMAT).
 */
function refusal(text: string): string | null {
  if (UNSTORABLE_TEXT.test(text)) return UNSTORABLE_REASON;
  const character = firstControlOrFormat(text);
  return character === null
    ? null
    : `must not contain ${character} (free text takes no control or format characters: line breaks, tabs, bidirectional controls, zero-width characters)`;
}

const pointerSegment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON pointer of the first string (value or key) in `value` that is refused, and why;
 * or null. Iterative, so that a deeply nested body cannot overflow the stack.
 */
export function findRefusedText(value: unknown): { at: string; reason: string } | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, pointer] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const reason = refusal(current);
      if (reason !== null) return { at: pointer, reason };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${pointer}/${i}`]);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, inner] of Object.entries(current)) {
        const at = `${pointer}/${pointerSegment(key)}`;
        const reason = refusal(key);
        if (reason !== null) return { at, reason };
        stack.push([inner, at]);
      }
    }
  }
  return null;
}

const PARTS = [
  ['params', (r: FastifyRequest) => r.params],
  ['querystring', (r: FastifyRequest) => r.query],
  ['body', (r: FastifyRequest) => r.body],
] as const;

/** A URL of visible ASCII without a percent sign carries no text that is refused. */
const PLAIN_URL = /^[\x21-\x24\x26-\x7e]*$/;

/**
 * Refuses, with a 400 problem naming the field, any request whose path parameters, query
 * or body carry text PostgreSQL cannot store (such a request would otherwise fail deep in
 * a query with a 500), or a control or format character anywhere (every string a caller
 * sends is either constrained by its schema or free text that is stored and shown). A
 * hook rather than a rule on each schema, so that a new route is covered; it looks at the
 * parts a route declares a schema for (the ones it reads). Routes whose config says
 * `relaysOutsideText` (X's deliveries) are left to their own boundary.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', (request, _reply, done) => {
      const schema = request.routeOptions.schema;
      // Fast path for reads: without a body, a URL of visible ASCII without a percent sign
      // carries neither (Node's HTTP parser refuses raw control and non-ASCII bytes anyway).
      if (!schema || (request.body == null && PLAIN_URL.test(request.url))) {
        done();
        return;
      }
      if (request.routeOptions.config.relaysOutsideText === true) {
        done();
        return;
      }
      for (const [part, read] of PARTS) {
        if (!schema[part]) continue;
        const refused = findRefusedText(read(request));
        if (refused === null) continue;
        const { at, reason } = refused;
        done(fail('INVALID_TEXT', `${part}${at} ${reason}`, { errors: [{ path: at, message: reason }] }));
        return;
      }
      done();
    });
  },
  { name: 'input-text' },
);
