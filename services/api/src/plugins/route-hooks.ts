/**
 * A route option that may hold one hook, a list of them or none (Fastify's `onRequest`,
 * `preHandler`, `onResponse`, ...), as a list: for the plugins that add a hook of their own to
 * every route from an `onRoute` hook.
 */
export function hookList<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
