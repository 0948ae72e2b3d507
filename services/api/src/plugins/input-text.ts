import { codePointName, CONTROL_OR_FORMAT } from '@jcp/domain';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../errors.js';

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

/**
 * Text PostgreSQL cannot store: U+0000 (refused in `text` and `jsonb` alike) and UTF-16
 * surrogates without their pair (not Unicode: `jsonb` refuses them, and a `text` column
 * would silently get U+FFFD instead). JSON lets a client send both (`\u0000`, `\ud800`).
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_REASON = 'must not contain U+0000 or an unpaired UTF-16 surrogate';

/** Why `text` is refused, or null. */
type TextRule = (text: string) => string | null;

const storable: TextRule = (text) => (UNSTORABLE.test(text) ? UNSTORABLE_REASON : null);

/** A caller's free text: storable, and no control or format character (see CONTROL_OR_FORMAT). */
const callerText: TextRule = (text) => {
  const unstorable = storable(text);
  if (unstorable !== null) return unstorable;
  const found = CONTROL_OR_FORMAT.exec(text);
  return found
    ? `must not contain ${codePointName(found[0])} (free text takes no control or format characters: line breaks, tabs, bidirectional controls, zero-width characters)`
    : null;
};

const pointerSegment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON pointer of the first string (value or key) in `value` that `rule` refuses, and
 * why; or null. Iterative, so that a deeply nested body cannot overflow the stack.
 */
export function findRefusedText(value: unknown, rule: TextRule = callerText): { at: string; reason: string } | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, pointer] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const reason = rule(current);
      if (reason !== null) return { at: pointer, reason };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${pointer}/${i}`]);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, inner] of Object.entries(current)) {
        const at = `${pointer}/${pointerSegment(key)}`;
        const reason = rule(key);
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

/** A URL of visible ASCII without a percent sign carries no text either rule refuses. */
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
        const refused = findRefusedText(read(request), callerText);
        if (refused === null) continue;
        const { at, reason } = refused;
        done(new HttpProblem(400, 'INVALID_TEXT', `${part}${at} ${reason}`, { errors: [{ path: at, message: reason }] }));
        return;
      }
      done();
    });
  },
  { name: 'input-text' },
);
