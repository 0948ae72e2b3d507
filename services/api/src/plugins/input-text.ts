import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../errors.js';

/**
 * Text PostgreSQL cannot store: U+0000 (refused in `text` and `jsonb` alike) and UTF-16
 * surrogates without their pair (not Unicode: `jsonb` refuses them, and a `text` column
 * would silently get U+FFFD instead). JSON lets a client send both (`\u0000`, `\ud800`).
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const pointerSegment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON pointer of the first string (value or key) in `value` that PostgreSQL cannot
 * store, or null. Iterative, so that a deeply nested body cannot overflow the stack.
 */
export function findUnstorableText(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, pointer] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return pointer;
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${pointer}/${i}`]);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, inner] of Object.entries(current)) {
        const at = `${pointer}/${pointerSegment(key)}`;
        if (UNSTORABLE.test(key)) return at;
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

/**
 * Refuses, with a 400 problem naming the field, any request whose path parameters, query
 * or body carry text PostgreSQL cannot store: such a request would otherwise fail deep in
 * a query with a 500. A hook rather than a rule on each schema, so that a new route is
 * covered; it looks at the parts a route declares a schema for (the ones it reads).
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', (request, _reply, done) => {
      const schema = request.routeOptions.schema;
      // Fast path for reads: without a body and a percent sign, a URL cannot carry either
      // (Node's HTTP parser refuses a raw NUL; a surrogate cannot be written in UTF-8).
      if (!schema || (request.body == null && !request.url.includes('%'))) {
        done();
        return;
      }
      for (const [part, read] of PARTS) {
        if (!schema[part]) continue;
        const at = findUnstorableText(read(request));
        if (at === null) continue;
        const message = 'must not contain U+0000 or an unpaired UTF-16 surrogate';
        done(new HttpProblem(400, 'INVALID_TEXT', `${part}${at} ${message}`, { errors: [{ path: at, message }] }));
        return;
      }
      done();
    });
  },
  { name: 'input-text' },
);
